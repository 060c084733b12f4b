#include "cli.h"

#include "core/market/market_config.h"
#include "core/market/settlement.h"
#include "core/store/store.h"

#include <QJsonArray>

#include <map>

namespace mg::cli {

namespace {

// Every transaction of a kind (optionally touching a node), oldest first, in pages.
Result<QList<ledger::Transaction>> readAll(const store::Store &db, ledger::TxKind kind, const QString &node)
{
    QList<ledger::Transaction> txs;
    store::TxQuery q;
    q.kind = kind;
    q.node = node;
    q.limit = 5000;
    for (;;) {
        auto refs = db.findTransactions(q);
        if (!refs.ok())
            return refs.error();
        for (const store::TxRef &ref : refs.value()) {
            auto tx = db.transaction(ref.id);
            if (!tx.ok())
                return tx.error();
            txs.append(tx.value());
        }
        if (refs->size() < q.limit)
            return txs;
        q.offset += q.limit;
    }
}

struct Listing
{
    QString command;
    QString dataDir;
    QString node;
    bool json = false;
};

// Parses the shared options of orders/trades/accounts; returns -1 to continue, else an exit code.
int parseListing(const QStringList &args, const QString &command, const QString &description, Listing &listing)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(description);
    parser.addOption({QStringLiteral("data"), QStringLiteral("Data directory."), QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("node"), QStringLiteral("Only this node."), QStringLiteral("ID")});
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print one JSON object.")});
    int code = ExitOk;
    if (!parse(parser, args, command, &code))
        return code;
    if (!parser.positionalArguments().isEmpty())
        return usageError(command, QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    if (!parser.isSet(QStringLiteral("data")))
        return usageError(command, QStringLiteral("--data DIR is required"));
    listing.command = command;
    listing.dataDir = parser.value(QStringLiteral("data"));
    listing.node = parser.value(QStringLiteral("node"));
    listing.json = parser.isSet(QStringLiteral("json"));
    return -1;
}

Result<std::unique_ptr<store::Store>> openExisting(const QString &dir)
{
    store::Store::Options options;
    options.create = false;
    options.readOnly = true;
    return store::Store::open(dir, options);
}

QString sideName(ledger::Side side)
{
    return side == ledger::Side::Buy ? QStringLiteral("buy") : QStringLiteral("sell");
}

} // namespace

int cmdOrders(const QStringList &args)
{
    Listing l;
    if (int code = parseListing(args, QStringLiteral("orders"), QStringLiteral("List stored orders with how much of each was filled."), l); code >= 0)
        return code;
    auto db = openExisting(l.dataDir);
    if (!db.ok())
        return usageError(l.command, db.error().message);
    auto orders = readAll(*db.value(), ledger::TxKind::Order, l.node);
    auto trades = readAll(*db.value(), ledger::TxKind::Trade, l.node);
    auto cancels = readAll(*db.value(), ledger::TxKind::Cancel, l.node);
    if (!orders.ok() || !trades.ok() || !cancels.ok())
        return usageError(l.command, (!orders.ok() ? orders : !trades.ok() ? trades : cancels).error().message);
    std::map<crypto::Hash256, qint64> filled;
    for (const ledger::Transaction &tx : trades.value())
        if (auto t = ledger::TradePayload::decode(tx.payload); t && t->status == ledger::TradePayload::Status::Matched) {
            filled[t->buyOrderId] += t->energyWh;
            filled[t->sellOrderId] += t->energyWh;
        }
    QSet<crypto::Hash256> cancelled;
    for (const ledger::Transaction &tx : cancels.value())
        if (auto c = ledger::CancelPayload::decode(tx.payload))
            cancelled.insert(c->orderId);

    QJsonArray list;
    if (!l.json)
        out() << QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8\n").arg(QStringLiteral("order"), -12).arg(QStringLiteral("node"), -8)
                     .arg(QStringLiteral("side"), -4).arg(QStringLiteral("Wh"), 7).arg(QStringLiteral("filled"), 7)
                     .arg(QStringLiteral("price"), 6).arg(QStringLiteral("slot"), 9).arg(QStringLiteral("state"), -9);
    for (const ledger::Transaction &tx : orders.value()) {
        auto o = ledger::OrderPayload::decode(tx.payload);
        if (!o.ok() || (!l.node.isEmpty() && tx.sender != l.node))
            continue;
        const crypto::Hash256 id = tx.id();
        const qint64 f = filled.count(id) ? filled.at(id) : 0;
        const QString state = f >= o->energyWh ? QStringLiteral("filled") : cancelled.contains(id) ? QStringLiteral("cancelled")
                            : f > 0 ? QStringLiteral("partial") : QStringLiteral("open");
        if (l.json) {
            QJsonObject j;
            j.insert(QStringLiteral("id"), id.toHex());
            j.insert(QStringLiteral("node"), tx.sender);
            j.insert(QStringLiteral("chain"), qint64(tx.chainId));
            j.insert(QStringLiteral("side"), sideName(o->side));
            j.insert(QStringLiteral("energy_wh"), o->energyWh);
            j.insert(QStringLiteral("filled_wh"), f);
            j.insert(QStringLiteral("price"), o->priceMilliPerKwh);
            j.insert(QStringLiteral("renewable_only"), o->renewableOnly);
            j.insert(QStringLiteral("slot"), o->deliverySlot);
            j.insert(QStringLiteral("timestamp_ms"), tx.timestampMs);
            j.insert(QStringLiteral("state"), state);
            list.append(j);
        } else {
            out() << QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8\n").arg(id.shortHex(), -12).arg(tx.sender, -8).arg(sideName(o->side), -4)
                         .arg(o->energyWh, 7).arg(f, 7).arg(o->priceMilliPerKwh, 6).arg(o->deliverySlot, 9).arg(state, -9);
        }
    }
    if (l.json)
        printJson(QJsonObject{{QStringLiteral("orders"), list}});
    out().flush();
    return ExitOk;
}

int cmdTrades(const QStringList &args)
{
    Listing l;
    if (int code = parseListing(args, QStringLiteral("trades"), QStringLiteral("List stored trades (energy contracts)."), l); code >= 0)
        return code;
    auto db = openExisting(l.dataDir);
    if (!db.ok())
        return usageError(l.command, db.error().message);
    auto trades = readAll(*db.value(), ledger::TxKind::Trade, l.node);
    if (!trades.ok())
        return usageError(l.command, trades.error().message);
    QJsonArray list;
    if (!l.json)
        out() << QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8\n").arg(QStringLiteral("trade"), -12).arg(QStringLiteral("buyer"), -8)
                     .arg(QStringLiteral("seller"), -8).arg(QStringLiteral("Wh"), 7).arg(QStringLiteral("price"), 6)
                     .arg(QStringLiteral("slot"), 9).arg(QStringLiteral("chain"), 5).arg(QStringLiteral("status"), -8);
    for (const ledger::Transaction &tx : trades.value()) {
        auto t = ledger::TradePayload::decode(tx.payload);
        if (!t.ok())
            continue;
        const QString status = t->status == ledger::TradePayload::Status::Halted ? QStringLiteral("halted") : QStringLiteral("final");
        if (l.json) {
            QJsonObject j;
            j.insert(QStringLiteral("id"), tx.id().toHex());
            j.insert(QStringLiteral("buyer"), t->buyer);
            j.insert(QStringLiteral("seller"), t->seller);
            j.insert(QStringLiteral("energy_wh"), t->energyWh);
            j.insert(QStringLiteral("price"), t->priceMilliPerKwh);
            j.insert(QStringLiteral("penalty"), t->penaltyMilliPerKwh);
            j.insert(QStringLiteral("slot"), t->deliverySlot);
            j.insert(QStringLiteral("chain"), qint64(tx.chainId));
            j.insert(QStringLiteral("status"), status);
            j.insert(QStringLiteral("halt_reason"), int(t->haltReason));
            j.insert(QStringLiteral("buy_order"), t->buyOrderId.toHex());
            j.insert(QStringLiteral("sell_order"), t->sellOrderId.toHex());
            list.append(j);
        } else {
            out() << QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8\n").arg(tx.id().shortHex(), -12).arg(t->buyer, -8).arg(t->seller, -8)
                         .arg(t->energyWh, 7).arg(t->priceMilliPerKwh, 6).arg(t->deliverySlot, 9).arg(tx.chainId, 5).arg(status, -8);
        }
    }
    if (l.json)
        printJson(QJsonObject{{QStringLiteral("trades"), list}});
    out().flush();
    return ExitOk;
}

int cmdAccounts(const QStringList &args)
{
    Listing l;
    if (int code = parseListing(args, QStringLiteral("accounts"), QStringLiteral("Money balances and energy positions from the stored settlements."), l); code >= 0)
        return code;
    auto db = openExisting(l.dataDir);
    if (!db.ok())
        return usageError(l.command, db.error().message);
    auto settlements = readAll(*db.value(), ledger::TxKind::Settlement, QString());
    if (!settlements.ok())
        return usageError(l.command, settlements.error().message);
    market::Accounts accounts;
    for (const ledger::Transaction &tx : settlements.value())
        if (auto s = ledger::SettlementPayload::decode(tx.payload))
            accounts.apply(s.value());
    QJsonArray list;
    if (!l.json)
        out() << QStringLiteral("%1 %2 %3\n").arg(QStringLiteral("node"), -8).arg(QStringLiteral("balance"), 14).arg(QStringLiteral("energy Wh"), 12);
    for (const QString &node : accounts.nodes()) {
        if (!l.node.isEmpty() && node != l.node)
            continue;
        if (l.json) {
            list.append(QJsonObject{{QStringLiteral("node"), node},
                                    {QStringLiteral("balance_milli"), accounts.balance(node)},
                                    {QStringLiteral("energy_wh"), accounts.energyWh(node)}});
        } else {
            out() << QStringLiteral("%1 %2 %3\n").arg(node, -8).arg(accounts.balance(node), 14).arg(accounts.energyWh(node), 12);
        }
    }
    const bool conserved = accounts.total() == accounts.gridPaidMilli() - accounts.gridReceivedMilli();
    if (l.json) {
        printJson(QJsonObject{{QStringLiteral("accounts"), list},
                              {QStringLiteral("grid_paid_milli"), accounts.gridPaidMilli()},
                              {QStringLiteral("grid_received_milli"), accounts.gridReceivedMilli()},
                              {QStringLiteral("conserved"), conserved}});
    } else {
        out() << QStringLiteral("grid paid %1, grid received %2, node balances sum %3: money %4\n")
                     .arg(accounts.gridPaidMilli()).arg(accounts.gridReceivedMilli()).arg(accounts.total())
                     .arg(conserved ? QStringLiteral("conserved") : QStringLiteral("NOT conserved"));
    }
    out().flush();
    return conserved ? ExitOk : ExitFindings;
}

} // namespace mg::cli
