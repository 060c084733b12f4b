#include "core/market/market_state.h"

#include <QSet>

#include <algorithm>

namespace mg::market {

using ledger::Transaction;
using ledger::TxKind;

QString contractStatusName(ContractStatus status)
{
    switch (status) {
    case ContractStatus::Final: return QStringLiteral("final");
    case ContractStatus::Delivered: return QStringLiteral("delivered");
    case ContractStatus::Defaulted: return QStringLiteral("defaulted");
    case ContractStatus::Halted: return QStringLiteral("halted");
    }
    return {};
}

MarketState::MarketState(ChainId chain, const MarketConfig &config, const consensus::Directory &directory,
                         const regulator::RuleBook &rules, std::function<QList<ledger::NodeId>()> members)
    : m_chain(chain)
    , m_config(config)
    , m_directory(directory)
    , m_rules(rules)
    , m_members(std::move(members))
    , m_book(config.mode)
{
}

void MarketState::haltByRegulator(const crypto::Hash256 &target, qint64 effectiveMs)
{
    m_halts.emplace_back(effectiveMs, target);
}

QString MarketState::check(const Transaction &tx) const
{
    switch (tx.kind) {
    case TxKind::Order: {
        auto order = ledger::OrderPayload::decode(tx.payload);
        if (!order.ok())
            return order.error().message;
        if (order->energyWh <= 0)
            return QStringLiteral("energy must be above 0 Wh");
        if (order->priceMilliPerKwh < m_config.feedInTariff || order->priceMilliPerKwh > m_config.gridTariff)
            return QStringLiteral("price %1 is outside the band [%2, %3] (feed-in tariff, grid tariff)")
                .arg(order->priceMilliPerKwh).arg(m_config.feedInTariff).arg(m_config.gridTariff);
        if (order->renewableOnly && order->side != ledger::Side::Buy)
            return QStringLiteral("only buy orders can ask for renewable energy only");
        if (const auto *e = m_directory.find(tx.sender)) {
            // A node cannot trade more than its capacity delivers in one slot.
            const qint64 maxWh = qint64(e->info.capacityKw * 1000.0 * double(m_config.slotMs) / 3600000.0);
            if (order->energyWh > maxWh)
                return QStringLiteral("%1 Wh is more than node %2 can deliver in one slot (%3 Wh at %4 kW)")
                    .arg(order->energyWh).arg(tx.sender).arg(maxWh).arg(e->info.capacityKw);
        }
        return {};
    }
    case TxKind::Cancel: {
        auto cancel = ledger::CancelPayload::decode(tx.payload);
        return cancel.ok() ? QString() : cancel.error().message;
    }
    case TxKind::MeterReading: {
        auto reading = ledger::MeterReadingPayload::decode(tx.payload);
        return reading.ok() ? QString() : reading.error().message;
    }
    default:
        return QStringLiteral("%1 transactions are not accepted on a sub-chain").arg(ledger::txKindName(tx.kind));
    }
}

Transaction MarketState::makeDerived(TxKind kind, const QByteArray &payload, const ledger::NodeId &biller,
                                     qint64 timestampMs, int index) const
{
    Transaction tx;
    tx.kind = kind;
    tx.chainId = m_chain;
    tx.sender = biller;
    tx.timestampMs = timestampMs;
    tx.nonce = quint64(index);
    tx.payload = payload;
    return tx;
}

MarketState::Step MarketState::run(const QList<Transaction> &inputs, const ledger::NodeId &biller, qint64 ts) const
{
    Step step{m_book, m_nextSequence, m_nextSettleSlot < 0 ? m_config.slotOf(ts) : m_nextSettleSlot, {}, {},
              m_haltedOrders, {}, m_haltsApplied};
    step.book.expire(ts, m_config);

    // Regulator halts in force from this block on: resting orders leave the book, orders not yet
    // seen never trade, final contracts are halted (and reversed below if already settled).
    for (; step.haltsApplied < m_halts.size() && m_halts[step.haltsApplied].first <= ts; ++step.haltsApplied) {
        const crypto::Hash256 &target = m_halts[step.haltsApplied].second;
        auto contract = m_contracts.find(target);
        if (contract != m_contracts.end()) {
            if (contract->second.status != ContractStatus::Halted)
                step.contractsHalted.append(target);
            continue;
        }
        if (const BookOrder *resting = step.book.find(target))
            (void)step.book.cancel(target, resting->owner);
        step.haltedOrders.insert(target);
    }

    for (const Transaction &tx : inputs) {
        if (tx.kind == TxKind::Cancel) {
            if (auto c = ledger::CancelPayload::decode(tx.payload))
                (void)step.book.cancel(c->orderId, tx.sender); // refused cancels stay on the chain as no-ops
            continue;
        }
        if (tx.kind != TxKind::Order)
            continue;
        auto order = ledger::OrderPayload::decode(tx.payload);
        if (!order.ok())
            continue;
        BookOrder o;
        o.id = tx.id();
        o.owner = tx.sender;
        o.side = order->side;
        o.energyWh = order->energyWh;
        o.price = order->priceMilliPerKwh;
        o.renewableOnly = order->renewableOnly;
        const auto *e = m_directory.find(tx.sender);
        o.ownerRenewable = e && e->info.renewable;
        o.slot = order->deliverySlot;
        o.expiresAtMs = order->expiresAtMs;
        o.timestampMs = tx.timestampMs;
        o.sequence = step.nextSequence++;
        o.signature = tx.signature;
        if (o.expiresAtMs <= ts || m_config.slotStartMs(o.slot) <= ts || step.haltedOrders.contains(o.id))
            continue; // gate closed, or halted by a regulator: final, but it trades nothing
        if (!order->acceptsOrderId.isNull()) {
            if (auto fill = step.book.accept(o, order->acceptsOrderId))
                step.fills.append(*fill);
        } else {
            step.fills.append(step.book.submit(o));
        }
    }

    // Every trade is inspected against the regulator's rules in force at this block's time; a
    // violating trade is recorded halted, with its reason, and never settles.
    regulator::Inspector inspector(m_rules.at(ts), m_directory, m_members ? m_members() : QList<ledger::NodeId>(), m_config.slotMs);
    QSet<qint64> seededSlots;
    for (const Fill &f : step.fills) {
        if (!seededSlots.contains(f.slot)) {
            seededSlots.insert(f.slot);
            if (auto it = m_contractsBySlot.find(f.slot); it != m_contractsBySlot.end())
                for (const crypto::Hash256 &id : it->second)
                    if (const ContractRecord &c = m_contracts.at(id); c.status != ContractStatus::Halted) {
                        Fill done;
                        done.seller = c.trade.seller;
                        done.energyWh = c.trade.energyWh;
                        done.slot = f.slot;
                        inspector.addFinal(done);
                    }
        }
        const regulator::HaltReason reason = inspector.inspect(f);
        ledger::TradePayload t;
        t.buyOrderId = f.buyOrderId;
        t.sellOrderId = f.sellOrderId;
        t.buyer = f.buyer;
        t.seller = f.seller;
        t.energyWh = f.energyWh;
        t.priceMilliPerKwh = f.price;
        t.deliverySlot = f.slot;
        t.penaltyMilliPerKwh = m_config.penalty;
        t.buyOrderSignature = f.buySignature;
        t.sellOrderSignature = f.sellSignature;
        t.status = reason == regulator::HaltReason::None ? ledger::TradePayload::Status::Matched : ledger::TradePayload::Status::Halted;
        t.haltReason = quint16(reason);
        step.derived.append(makeDerived(TxKind::Trade, t.encode(), biller, ts, int(step.derived.size())));
    }

    // Contracts halted after they were settled: a reversing settlement puts the money back.
    for (const crypto::Hash256 &id : step.contractsHalted) {
        auto settled = m_settledTransfers.find(id);
        if (settled == m_settledTransfers.end() || settled->second.isEmpty())
            continue;
        ledger::SettlementPayload p;
        p.deliverySlot = m_contracts.at(id).trade.deliverySlot;
        for (const ledger::Transfer &t : settled->second)
            p.transfers.append(ledger::Transfer{t.to, t.from, t.amountMilli, t.energyWh, ledger::Transfer::Reason::Reversal, id});
        step.derived.append(makeDerived(TxKind::Settlement, p.encode(), biller, ts, int(step.derived.size())));
    }

    // Settle every slot that ended at least settleDelay ago. Meter readings that became final
    // before this block count; this block's own readings count too (they are in `inputs`).
    std::map<qint64, std::map<ledger::NodeId, MeterReading>> fresh;
    for (const Transaction &tx : inputs)
        if (tx.kind == TxKind::MeterReading)
            if (auto r = ledger::MeterReadingPayload::decode(tx.payload))
                fresh[r->deliverySlot].try_emplace(tx.sender, MeterReading{tx.sender, r->deliverySlot, r->generatedWh, r->consumedWh});
    while (m_config.slotEndMs(step.nextSettleSlot) + m_config.settleDelayMs <= ts) {
        const qint64 slot = step.nextSettleSlot++;
        QList<Contract> contracts;
        if (auto it = m_contractsBySlot.find(slot); it != m_contractsBySlot.end()) {
            for (const crypto::Hash256 &id : it->second) {
                const ContractRecord &c = m_contracts.at(id);
                if (c.status == ContractStatus::Halted)
                    continue;
                contracts.append(Contract{id, c.trade.buyer, c.trade.seller, c.trade.energyWh, c.trade.priceMilliPerKwh,
                                          c.trade.penaltyMilliPerKwh, slot});
            }
        }
        std::map<ledger::NodeId, MeterReading> readings;
        if (auto it = m_readings.find(slot); it != m_readings.end())
            readings = it->second;
        if (auto it = fresh.find(slot); it != fresh.end())
            for (const auto &[node, r] : it->second)
                readings.try_emplace(node, r);
        if (contracts.isEmpty() && readings.empty())
            continue;
        QList<MeterReading> list;
        for (const auto &[node, r] : readings)
            list.append(r);
        const SlotSettlement s = settleSlot(slot, contracts, list, m_config);
        ledger::SettlementPayload p;
        p.deliverySlot = slot;
        p.transfers = s.transfers;
        step.derived.append(makeDerived(TxKind::Settlement, p.encode(), biller, ts, int(step.derived.size())));
    }
    return step;
}

QList<Transaction> MarketState::derive(const QList<Transaction> &inputs, const ledger::NodeId &biller, qint64 ts) const
{
    return run(inputs, biller, ts).derived;
}

void MarketState::applyFinal(const ledger::Block &block)
{
    const qint64 ts = block.header.timestampMs;
    QList<Transaction> inputs;
    for (const Transaction &tx : block.txs)
        if (tx.kind == TxKind::Order || tx.kind == TxKind::Cancel || tx.kind == TxKind::MeterReading)
            inputs.append(tx);
    Step step = run(inputs, block.header.billerId, ts);
    m_book = std::move(step.book);
    m_nextSequence = step.nextSequence;
    m_nextSettleSlot = step.nextSettleSlot;
    m_haltedOrders = std::move(step.haltedOrders);
    m_haltsApplied = step.haltsApplied;
    for (const crypto::Hash256 &id : step.contractsHalted) {
        ContractRecord &c = m_contracts.at(id);
        if (c.status == ContractStatus::Final || c.status == ContractStatus::Delivered || c.status == ContractStatus::Defaulted) {
            --m_totals.trades;
            m_totals.energyTradedWh -= c.trade.energyWh;
            m_totals.valueTradedMilli -= amountFor(c.trade.energyWh, c.trade.priceMilliPerKwh);
            ++m_totals.halted;
            ++m_totals.haltedByRegulator;
        }
        c.status = ContractStatus::Halted;
    }

    for (const Transaction &tx : inputs) {
        if (tx.kind == TxKind::Order)
            ++m_totals.orders;
        else if (tx.kind == TxKind::Cancel)
            ++m_totals.cancels;
        else if (auto r = ledger::MeterReadingPayload::decode(tx.payload)) {
            ++m_totals.meterReadings;
            if (r->deliverySlot >= m_nextSettleSlot) // later readings arrive after settlement: on the chain, not settled
                m_readings[r->deliverySlot].try_emplace(tx.sender, MeterReading{tx.sender, r->deliverySlot, r->generatedWh, r->consumedWh});
        }
    }
    // The block's derived transactions are the ones run() produced (members checked the ids).
    for (const Transaction &tx : block.txs) {
        if (tx.kind == TxKind::Trade) {
            auto t = ledger::TradePayload::decode(tx.payload);
            if (!t.ok())
                continue;
            ContractRecord c;
            c.tradeId = tx.id();
            c.trade = t.value();
            c.height = block.header.height;
            c.status = t->status == ledger::TradePayload::Status::Halted ? ContractStatus::Halted : ContractStatus::Final;
            if (c.status == ContractStatus::Halted) {
                ++m_totals.halted;
                ++m_totals.haltedByReason[t->haltReason];
            } else {
                ++m_totals.trades;
                m_totals.energyTradedWh += t->energyWh;
                m_totals.valueTradedMilli += amountFor(t->energyWh, t->priceMilliPerKwh);
            }
            m_contractsBySlot[t->deliverySlot].append(c.tradeId);
            m_contracts.emplace(c.tradeId, c);
        } else if (tx.kind == TxKind::Settlement) {
            auto s = ledger::SettlementPayload::decode(tx.payload);
            if (!s.ok())
                continue;
            m_accounts.apply(s.value());
            const bool reversal = std::all_of(s->transfers.cbegin(), s->transfers.cend(), [](const ledger::Transfer &t) {
                return t.reason == ledger::Transfer::Reason::Reversal;
            });
            if (reversal && !s->transfers.isEmpty())
                continue; // a regulator's reversal: the slot itself was settled before
            for (const ledger::Transfer &t : s->transfers)
                if (!t.tradeId.isNull())
                    m_settledTransfers[t.tradeId].append(t);
            ++m_totals.settledSlots;
            QSet<crypto::Hash256> defaulted;
            for (const ledger::Transfer &t : s->transfers) {
                switch (t.reason) {
                case ledger::Transfer::Reason::Penalty:
                    defaulted.insert(t.tradeId);
                    m_totals.penaltiesMilli += t.amountMilli;
                    break;
                case ledger::Transfer::Reason::GridImport: m_totals.gridImportWh += t.energyWh; break;
                case ledger::Transfer::Reason::GridExport: m_totals.gridExportWh += t.energyWh; break;
                case ledger::Transfer::Reason::Delivery:
                    if (auto it = m_contracts.find(t.tradeId); it != m_contracts.end())
                        it->second.deliveredWh += t.energyWh;
                    break;
                case ledger::Transfer::Reason::Reversal: break;
                }
            }
            if (auto it = m_contractsBySlot.find(s->deliverySlot); it != m_contractsBySlot.end()) {
                for (const crypto::Hash256 &id : it->second) {
                    ContractRecord &c = m_contracts.at(id);
                    if (c.status != ContractStatus::Final)
                        continue;
                    c.status = defaulted.contains(id) ? ContractStatus::Defaulted : ContractStatus::Delivered;
                    m_totals.defaults += defaulted.contains(id);
                }
            }
            if (auto it = m_readings.find(s->deliverySlot); it != m_readings.end())
                for (const auto &[node, r] : it->second) {
                    m_totals.generatedWh += r.generatedWh;
                    m_totals.consumedWh += r.consumedWh;
                }
            m_readings.erase(s->deliverySlot); // settled: the readings are on the chain
        }
    }
}

} // namespace mg::market
