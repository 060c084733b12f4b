// The sub-chain market (core/market/market_state): what it refuses, who may order and cancel,
// deterministic derivation, the contract lifecycle, and money conservation over seeded agent runs.
// The order book's matching and one slot's settlement arithmetic have their own tests
// (tst_order_book, tst_settlement); here they are exercised only through the market.

#include "core/auth/auth.h"
#include "core/engine/engine.h"
#include "core/market/market_state.h"
#include "core/roster/demo_roster.h"

#include <QtTest>

#include <memory>

using namespace mg;
using market::ContractStatus;
using market::MarketState;
using ledger::Side;
using ledger::Transaction;
using ledger::TxKind;

namespace {

constexpr ledger::ChainId Chain = 1;
const QString Biller = QStringLiteral("A");

crypto::KeyPair keyFor(const QString &id)
{
    const QByteArray seed = crypto::sha256(QByteArray(QByteArray("tst_market key ") + id.toUtf8())).toByteArray();
    return crypto::KeyPair::fromPrivateKey(seed).value();
}

// Four trading nodes of one sub-chain, 8 kW each (2000 Wh per 15-minute slot); A and B renewable.
struct Grid
{
    consensus::Directory directory;
    regulator::RuleBook rules;
    QList<QString> members{QStringLiteral("A"), QStringLiteral("B"), QStringLiteral("C"), QStringLiteral("D")};
    market::MarketConfig config;

    Grid()
    {
        for (const QString &id : members) {
            consensus::Directory::Entry e;
            e.info.id = id;
            e.info.name = id;
            e.info.capacityKw = 8.0;
            e.info.renewable = id == QLatin1String("A") || id == QLatin1String("B");
            e.key = keyFor(id);
            e.publicKey = e.key.publicKey();
            e.chainId = Chain;
            directory.add(e);
        }
    }

    std::unique_ptr<MarketState> makeState() const
    {
        const QList<QString> m = members;
        return std::make_unique<MarketState>(Chain, config, directory, rules, [m] { return m; });
    }
};

// A time well inside a slot, far from the epoch, so slot arithmetic is realistic.
constexpr qint64 BaseSlot = 1963584; // 2026-01-01T00:00Z / 15 min
qint64 slotStart(qint64 slot) { return slot * 15 * 60 * 1000; }

Transaction signedTx(const QString &sender, TxKind kind, const QByteArray &payload, qint64 ts, quint64 nonce)
{
    Transaction tx;
    tx.kind = kind;
    tx.chainId = Chain;
    tx.sender = sender;
    tx.timestampMs = ts;
    tx.nonce = nonce;
    tx.payload = payload;
    tx.sign(keyFor(sender));
    return tx;
}

quint64 g_nonce = 0;

Transaction order(const QString &sender, Side side, qint64 wh, qint64 price, qint64 slot, qint64 ts,
                  bool renewableOnly = false, qint64 expiresAtMs = -1)
{
    ledger::OrderPayload p;
    p.side = side;
    p.energyWh = wh;
    p.priceMilliPerKwh = price;
    p.renewableOnly = renewableOnly;
    p.deliverySlot = slot;
    p.expiresAtMs = expiresAtMs >= 0 ? expiresAtMs : slotStart(slot);
    return signedTx(sender, TxKind::Order, p.encode(), ts, ++g_nonce);
}

Transaction reading(const QString &sender, qint64 slot, qint64 generated, qint64 consumed, qint64 ts)
{
    ledger::MeterReadingPayload p;
    p.deliverySlot = slot;
    p.generatedWh = generated;
    p.consumedWh = consumed;
    return signedTx(sender, TxKind::MeterReading, p.encode(), ts, ++g_nonce);
}

// A final block as a biller makes it: the inputs, then what the market derives from them.
ledger::Block blockWith(const MarketState &state, const QList<Transaction> &inputs, quint64 height, qint64 ts)
{
    ledger::Block b;
    b.header.chainId = Chain;
    b.header.height = height;
    b.header.timestampMs = ts;
    b.header.billerId = Biller;
    b.txs = inputs;
    b.txs.append(state.derive(inputs, Biller, ts));
    b.seal();
    return b;
}

QList<crypto::Hash256> ids(const QList<Transaction> &txs)
{
    QList<crypto::Hash256> list;
    for (const Transaction &tx : txs)
        list.append(tx.id());
    return list;
}

QList<Transaction> ofKind(const QList<Transaction> &txs, TxKind kind)
{
    QList<Transaction> list;
    for (const Transaction &tx : txs)
        if (tx.kind == kind)
            list.append(tx);
    return list;
}

// ---- Engine helpers

std::unique_ptr<engine::Engine> makeEngine(const engine::Scenario &sc)
{
    auto created = engine::Engine::create(sc);
    if (!created.ok())
        qFatal("Engine::create failed: %s", qPrintable(created.errorString()));
    return std::move(created).value();
}

engine::Scenario smallScenario()
{
    engine::Scenario sc;
    sc.roster = roster::demoRoster(12);
    sc.groups = 2;
    sc.grouping = roster::GroupingMode::BySerial;
    sc.clock = net::ClockMode::Virtual;
    sc.seed = 7;
    sc.consensus.blockIntervalUs = 100 * net::UsPerMs;
    return sc;
}

bool allBillers(const engine::Engine &e)
{
    for (const engine::ChainStatus &s : e.status())
        if (!s.isParent && s.biller.isEmpty())
            return false;
    return true;
}

void startAndElect(engine::Engine &e)
{
    e.start();
    for (int i = 0; i < 100 && !allBillers(e); ++i)
        e.runFor(100 * net::UsPerMs);
    QVERIFY(allBillers(e));
}

// Two trading nodes of the same sub-chain.
std::pair<QString, QString> twoTradersOfOneChain(const engine::Engine &e)
{
    QString first;
    for (const QString &id : e.nodeIds()) {
        if (e.chainOf(id) == 0)
            continue;
        if (first.isEmpty())
            first = id;
        else if (e.chainOf(id) == e.chainOf(first))
            return {first, id};
    }
    return {};
}

auth::Session sessionFor(const engine::Engine &e, const QString &user, const QStringList &nodes,
                         auth::Roles roles = auth::Role::Prosumer)
{
    auth::Session s;
    s.user = user;
    s.roles = roles;
    s.nodes = nodes;
    for (const QString &n : nodes)
        s.keys.insert(n, e.node(n)->key());
    return s;
}

ledger::OrderPayload restingOrder(const engine::Engine &e, Side side)
{
    const market::MarketConfig &mc = e.scenario().market;
    ledger::OrderPayload p;
    p.side = side;
    p.energyWh = 200;
    p.priceMilliPerKwh = 150;
    p.deliverySlot = mc.slotOf(const_cast<engine::Engine &>(e).loop().nowMs()) + 2;
    p.expiresAtMs = mc.slotStartMs(p.deliverySlot);
    return p;
}

struct RunResult
{
    market::MarketTotals totals;
    bool conserved = true;
    QString conservationReport;
    std::map<QString, qint64> balances;
};

RunResult agentRun(quint64 seed, market::MarketMode mode, double hours = 6)
{
    engine::Scenario sc;
    sc.roster = roster::demoRoster(36);
    sc.groups = 4;
    sc.grouping = roster::GroupingMode::BySerial;
    sc.clock = net::ClockMode::Virtual;
    sc.seed = seed;
    sc.agents = true;
    sc.market.mode = mode;
    auto e = makeEngine(sc);
    e->start();
    e->runFor(net::TimeUs(hours * 3600.0 * double(net::UsPerSecond)));
    RunResult r;
    r.totals = e->marketTotals();
    for (ledger::ChainId id : e->chainIds()) {
        const MarketState *m = e->market(id);
        if (!m)
            continue;
        const market::Accounts &a = m->accounts();
        if (a.total() != a.gridPaidMilli() - a.gridReceivedMilli()) {
            r.conserved = false;
            r.conservationReport += QStringLiteral("chain %1: balances %2 != grid paid %3 - received %4; ")
                                        .arg(id).arg(a.total()).arg(a.gridPaidMilli()).arg(a.gridReceivedMilli());
        }
        for (const QString &n : a.nodes())
            r.balances[n] = a.balance(n);
    }
    return r;
}

} // namespace

class TestMarket : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // ---- MarketState::check
    void checkRefuses_data()
    {
        QTest::addColumn<QString>("sender");
        QTest::addColumn<int>("side");
        QTest::addColumn<qint64>("energyWh");
        QTest::addColumn<qint64>("price");
        QTest::addColumn<bool>("renewableOnly");
        QTest::addColumn<bool>("garbage");
        QTest::addColumn<QStringList>("mentions"); // empty: accepted
        const int buy = int(Side::Buy), sell = int(Side::Sell);
        QTest::newRow("acceptable buy") << "B" << buy << qint64(500) << qint64(150) << true << false << QStringList();
        QTest::newRow("acceptable sell at capacity") << "A" << sell << qint64(2000) << qint64(80) << false << false << QStringList();
        QTest::newRow("acceptable at grid tariff") << "A" << buy << qint64(1) << qint64(300) << false << false << QStringList();
        QTest::newRow("price below feed-in") << "B" << buy << qint64(500) << qint64(79) << false << false
                                             << QStringList{"price 79", "outside", "feed-in"};
        QTest::newRow("price above grid") << "A" << sell << qint64(500) << qint64(301) << false << false
                                          << QStringList{"price 301", "outside", "grid tariff"};
        QTest::newRow("zero energy") << "B" << buy << qint64(0) << qint64(150) << false << false
                                     << QStringList{"energy", "above 0 Wh"};
        QTest::newRow("negative energy") << "A" << sell << qint64(-5) << qint64(150) << false << false
                                         << QStringList{"energy", "above 0 Wh"};
        QTest::newRow("above slot capacity") << "C" << sell << qint64(2001) << qint64(150) << false << false
                                             << QStringList{"2001 Wh", "node C", "one slot", "2000 Wh"};
        QTest::newRow("renewable-only sell") << "A" << sell << qint64(500) << qint64(150) << true << false
                                             << QStringList{"buy orders", "renewable"};
        QTest::newRow("undecodable payload") << "B" << buy << qint64(500) << qint64(150) << false << true
                                             << QStringList{"order payload"};
    }
    void checkRefuses()
    {
        QFETCH(QString, sender);
        QFETCH(int, side);
        QFETCH(qint64, energyWh);
        QFETCH(qint64, price);
        QFETCH(bool, renewableOnly);
        QFETCH(bool, garbage);
        QFETCH(QStringList, mentions);
        Grid grid;
        auto state = grid.makeState();
        Transaction tx = order(sender, Side(side), energyWh, price, BaseSlot + 2, slotStart(BaseSlot), renewableOnly);
        if (garbage) {
            tx.payload = QByteArray::fromHex("01ff00");
            tx.sign(keyFor(sender));
        }
        const QString why = state->check(tx);
        if (mentions.isEmpty()) {
            QVERIFY2(why.isEmpty(), qPrintable(why));
            return;
        }
        QVERIFY(!why.isEmpty());
        for (const QString &m : mentions)
            QVERIFY2(why.contains(m, Qt::CaseInsensitive), qPrintable(QStringLiteral("'%1' does not mention '%2'").arg(why, m)));
    }

    void checkOtherKinds()
    {
        Grid grid;
        auto state = grid.makeState();
        Transaction bad = signedTx(QStringLiteral("B"), TxKind::MeterReading, QByteArray("xx"), 0, 1);
        QVERIFY(!state->check(bad).isEmpty());
        QVERIFY(state->check(reading(QStringLiteral("B"), BaseSlot, 10, 20, 0)).isEmpty());
        Transaction trade = signedTx(QStringLiteral("B"), TxKind::Trade, ledger::TradePayload{}.encode(), 0, 2);
        QVERIFY(state->check(trade).contains(QStringLiteral("not accepted on a sub-chain")));
    }

    // ---- Signatures, through the engine
    void badSignatureRefused_data()
    {
        QTest::addColumn<bool>("otherKey");
        QTest::newRow("flipped signature byte") << false;
        QTest::newRow("signed by another node's key") << true;
    }
    void badSignatureRefused()
    {
        QFETCH(bool, otherKey);
        auto e = makeEngine(smallScenario());
        startAndElect(*e);
        const auto [node, other] = twoTradersOfOneChain(*e);
        QVERIFY(!node.isEmpty());
        const ledger::ChainId chain = e->chainOf(node);
        Transaction tx = e->makeOrder(node);
        if (otherKey)
            tx.sign(e->node(other)->key());
        else
            tx.signature[5] = char(tx.signature[5] ^ 0x01);
        const quint64 submittedBefore = e->metrics().submitted;
        const Status s = e->submit(tx);
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, QStringLiteral("engine.signature"));
        QVERIFY(s.error().message.contains(node));
        QCOMPARE(e->metrics().submitted, submittedBefore); // never reached a member
        e->runFor(3 * net::UsPerSecond);
        QCOMPARE(e->market(chain)->totals().orders, quint64(0));
        // The same order, properly signed, does become final (the refusal was the signature).
        const quint64 before = e->metrics().submitted;
        Transaction good = e->makeOrder(node);
        QVERIFY(e->submit(good).ok());
        QCOMPARE(e->metrics().submitted, before + 1);
        e->runFor(3 * net::UsPerSecond);
        QCOMPARE(e->market(chain)->totals().orders, quint64(1));
    }

    // ---- Ownership
    void ownershipForbidden_data()
    {
        QTest::addColumn<int>("variant");
        QTest::newRow("node bound to another user") << 0;
        QTest::newRow("no prosumer role") << 1;
        QTest::newRow("bound but key not unlocked") << 2;
    }
    void ownershipForbidden()
    {
        QFETCH(int, variant);
        auto e = makeEngine(smallScenario());
        startAndElect(*e);
        const auto [mine, theirs] = twoTradersOfOneChain(*e);
        auth::Session s;
        QString target;
        switch (variant) {
        case 0:
            s = sessionFor(*e, QStringLiteral("alice"), {mine});
            target = theirs;
            break;
        case 1:
            s = sessionFor(*e, QStringLiteral("olga"), {mine}, auth::Role::Operator);
            target = mine;
            break;
        default:
            s = sessionFor(*e, QStringLiteral("alice"), {mine});
            s.keys.remove(mine);
            target = mine;
            break;
        }
        const quint64 submitted = e->metrics().submitted;
        auto placed = e->placeOrder(s, target, restingOrder(*e, Side::Sell));
        QVERIFY(!placed.ok());
        QCOMPARE(placed.error().code, QStringLiteral("auth.forbidden"));
        QVERIFY(placed.error().message.contains(target));
        auto cancelled = e->cancelOrder(s, target, crypto::sha256(QByteArray("any")));
        QVERIFY(!cancelled.ok());
        QCOMPARE(cancelled.error().code, QStringLiteral("auth.forbidden"));
        QCOMPARE(e->metrics().submitted, submitted);
        e->runFor(2 * net::UsPerSecond);
        QCOMPARE(e->marketTotals().orders, quint64(0));
    }

    void cancelOwnership()
    {
        auto e = makeEngine(smallScenario());
        startAndElect(*e);
        const auto [alice, bob] = twoTradersOfOneChain(*e);
        const ledger::ChainId chain = e->chainOf(alice);
        const auth::Session aliceS = sessionFor(*e, QStringLiteral("alice"), {alice});
        const auth::Session bobS = sessionFor(*e, QStringLiteral("bob"), {bob});

        auto placed = e->placeOrder(bobS, bob, restingOrder(*e, Side::Buy));
        QVERIFY2(placed.ok(), qPrintable(placed.errorString()));
        const crypto::Hash256 id = placed.value();
        e->runFor(2 * net::UsPerSecond);
        const market::BookOrder *resting = e->market(chain)->book().find(id);
        QVERIFY(resting);
        QCOMPARE(resting->owner, bob);

        // Alice owns her node, but not Bob's order.
        auto refused = e->cancelOrder(aliceS, alice, id);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, QStringLiteral("market.not_owner"));
        QVERIFY(refused.error().message.contains(bob));
        // Nor may she cancel in Bob's name.
        QCOMPARE(e->cancelOrder(aliceS, bob, id).error().code, QStringLiteral("auth.forbidden"));
        // An order that is not in the book.
        QCOMPARE(e->cancelOrder(bobS, bob, crypto::sha256(QByteArray("nothing"))).error().code,
                 QStringLiteral("market.unknown_order"));
        e->runFor(2 * net::UsPerSecond);
        QVERIFY(e->market(chain)->book().find(id));
        QCOMPARE(e->market(chain)->totals().cancels, quint64(0));

        // Bob cancels his own order: it leaves the book once the cancel's block is final.
        auto cancelled = e->cancelOrder(bobS, bob, id);
        QVERIFY2(cancelled.ok(), qPrintable(cancelled.errorString()));
        e->runFor(2 * net::UsPerSecond);
        QVERIFY(!e->market(chain)->book().find(id));
        QCOMPARE(e->market(chain)->totals().cancels, quint64(1));
        QCOMPARE(e->market(chain)->totals().trades, quint64(0));
    }

    // ---- Determinism of derive()
    void deriveIsDeterministicAndPure()
    {
        Grid grid;
        auto first = grid.makeState();
        auto second = grid.makeState();
        const qint64 t0 = slotStart(BaseSlot) + 60'000;
        const qint64 slot = BaseSlot + 1;
        // A first block that leaves orders resting, applied to both states.
        const QList<Transaction> warmup{order("A", Side::Sell, 800, 140, slot, t0), order("C", Side::Sell, 500, 120, slot, t0 + 1),
                                        order("D", Side::Buy, 300, 90, slot, t0 + 2)};
        const ledger::Block b1 = blockWith(*first, warmup, 1, t0 + 500);
        first->applyFinal(b1);
        second->applyFinal(b1);

        const qint64 t1 = t0 + 30'000;
        const QList<Transaction> inputs{order("B", Side::Buy, 1000, 200, slot, t1), order("D", Side::Buy, 200, 130, slot, t1 + 1),
                                        order("A", Side::Sell, 100, 85, slot, t1 + 2)};
        const market::MarketTotals totalsBefore = first->totals();
        const QList<market::BookOrder> bookBefore = first->book().orders();
        const size_t contractsBefore = first->contracts().size();

        const QList<Transaction> d1 = first->derive(inputs, Biller, t1 + 500);
        const QList<Transaction> d2 = first->derive(inputs, Biller, t1 + 500);
        const QList<Transaction> d3 = second->derive(inputs, Biller, t1 + 500);
        QVERIFY(!ofKind(d1, TxKind::Trade).isEmpty());
        QCOMPARE(ids(d1), ids(d2));
        QCOMPARE(ids(d1), ids(d3));
        for (const Transaction &tx : d1) {
            QCOMPARE(tx.sender, Biller);
            QCOMPARE(tx.timestampMs, t1 + 500);
            QCOMPARE(tx.chainId, Chain);
        }

        // derive() changed nothing.
        QCOMPARE(first->book().orders(), bookBefore);
        QCOMPARE(first->contracts().size(), contractsBefore);
        QCOMPARE(first->totals().trades, totalsBefore.trades);
        QCOMPARE(first->totals().orders, totalsBefore.orders);

        // Applying the block with exactly those derived transactions gives the contracts derive
        // announced, and the same state in both markets.
        ledger::Block b2;
        b2.header.chainId = Chain;
        b2.header.height = 2;
        b2.header.timestampMs = t1 + 500;
        b2.header.billerId = Biller;
        b2.txs = inputs + d1;
        b2.seal();
        first->applyFinal(b2);
        second->applyFinal(b2);
        const QList<Transaction> trades = ofKind(d1, TxKind::Trade);
        QCOMPARE(first->contracts().size(), contractsBefore + size_t(trades.size()));
        qint64 tradedWh = 0;
        for (const Transaction &tx : trades) {
            auto it = first->contracts().find(tx.id());
            QVERIFY(it != first->contracts().end());
            QCOMPARE(it->second.status, ContractStatus::Final);
            QCOMPARE(it->second.height, quint64(2));
            const auto t = ledger::TradePayload::decode(tx.payload).value();
            QCOMPARE(it->second.trade, t);
            tradedWh += t.energyWh;
        }
        QCOMPARE(first->totals().energyTradedWh, totalsBefore.energyTradedWh + tradedWh);
        QCOMPARE(first->book().orders(), second->book().orders());
        QCOMPARE(first->contracts().size(), second->contracts().size());
        // What remains in the book: everything offered minus what traded, per side.
        qint64 restingSell = 0, restingBuy = 0;
        for (const market::BookOrder &o : first->book().orders())
            (o.side == Side::Sell ? restingSell : restingBuy) += o.energyWh;
        QCOMPARE(restingSell, 800 + 500 + 100 - tradedWh);
        QCOMPARE(restingBuy, 300 + 1000 + 200 - tradedWh);
        // The next derivation on both is the same again.
        const QList<Transaction> next{order("C", Side::Buy, 50, 300, slot, t1 + 1000)};
        QCOMPARE(ids(first->derive(next, Biller, t1 + 2000)), ids(second->derive(next, Biller, t1 + 2000)));
    }

    // ---- Contract lifecycle
    void contractLifecycle()
    {
        Grid grid;
        auto state = grid.makeState();
        const market::MarketConfig &mc = grid.config;
        const qint64 slot = BaseSlot + 1;
        const qint64 t0 = slotStart(BaseSlot) + 60'000;

        // Two contracts for the slot: A sells 600 Wh to B at 150, C sells 500 Wh to D at 120.
        const ledger::Block b1 = blockWith(*state,
                                           {order("A", Side::Sell, 600, 150, slot, t0), order("B", Side::Buy, 600, 200, slot, t0 + 1),
                                            order("C", Side::Sell, 500, 120, slot, t0 + 2), order("D", Side::Buy, 500, 200, slot, t0 + 3)},
                                           1, t0 + 500);
        QCOMPARE(ofKind(b1.txs, TxKind::Trade).size(), 2);
        state->applyFinal(b1);
        QCOMPARE(state->contracts().size(), size_t(2));
        crypto::Hash256 ab, cd;
        for (const auto &[id, c] : state->contracts()) {
            QCOMPARE(c.status, ContractStatus::Final);
            QCOMPARE(c.height, quint64(1));
            QCOMPARE(c.deliveredWh, qint64(0));
            (c.trade.seller == QLatin1String("A") ? ab : cd) = id;
        }
        QCOMPARE(state->contracts().at(ab).trade.priceMilliPerKwh, qint64(150));
        QCOMPARE(state->contracts().at(cd).trade.buyer, QStringLiteral("D"));
        QCOMPARE(state->totals().trades, quint64(2));
        QVERIFY(state->book().orders().isEmpty());

        // The meters report just after the slot: A exports 700, C only 200 of its 500.
        const qint64 t2 = mc.slotEndMs(slot) + 5'000;
        const ledger::Block b2 = blockWith(*state,
                                           {reading("A", slot, 700, 0, t2), reading("B", slot, 0, 600, t2),
                                            reading("C", slot, 200, 0, t2), reading("D", slot, 0, 500, t2)},
                                           2, t2 + 500);
        QVERIFY(ofKind(b2.txs, TxKind::Settlement).isEmpty()); // not yet: settleDelay has not passed
        state->applyFinal(b2);
        QCOMPARE(state->contracts().at(ab).status, ContractStatus::Final);
        QCOMPARE(state->totals().meterReadings, quint64(4));
        QCOMPARE(state->totals().settledSlots, quint64(0));

        // A block past slotEnd + settleDelay settles the slot.
        const qint64 t3 = mc.slotEndMs(slot) + mc.settleDelayMs + 1'000;
        const ledger::Block b3 = blockWith(*state, {}, 3, t3);
        QCOMPARE(ofKind(b3.txs, TxKind::Settlement).size(), 1);
        state->applyFinal(b3);
        const market::ContractRecord &delivered = state->contracts().at(ab);
        const market::ContractRecord &defaulted = state->contracts().at(cd);
        QCOMPARE(delivered.status, ContractStatus::Delivered);
        QCOMPARE(delivered.deliveredWh, qint64(600));
        QCOMPARE(defaulted.status, ContractStatus::Defaulted);
        QCOMPARE(defaulted.deliveredWh, qint64(200));
        const market::MarketTotals &t = state->totals();
        QCOMPARE(t.settledSlots, quint64(1));
        QCOMPARE(t.defaults, quint64(1));
        QCOMPARE(t.penaltiesMilli, market::amountFor(300, mc.penalty));
        QCOMPARE(t.gridExportWh, qint64(100)); // A's 700 - 600 sold
        QCOMPARE(t.gridImportWh, qint64(300)); // D's 500 - 200 delivered
        const market::Accounts &a = state->accounts();
        QCOMPARE(a.total(), a.gridPaidMilli() - a.gridReceivedMilli());
        QCOMPARE(a.balance(QStringLiteral("A")), market::amountFor(600, 150) + market::amountFor(100, mc.feedInTariff));
        QCOMPARE(a.energyWh(QStringLiteral("D")), qint64(500)); // its consumption, from C and the grid

        // A later empty block changes nothing already settled.
        state->applyFinal(blockWith(*state, {}, 4, t3 + 60'000));
        QCOMPARE(state->totals().settledSlots, quint64(1));
        QCOMPARE(state->contracts().at(ab).status, ContractStatus::Delivered);
    }

    void gateClosure_data()
    {
        QTest::addColumn<int>("variant");
        QTest::newRow("both orders for a slot that has started") << 0;
        QTest::newRow("orders whose expiry has passed") << 1;
        QTest::newRow("resting order reaches its slot's start") << 2;
    }
    void gateClosure()
    {
        QFETCH(int, variant);
        Grid grid;
        auto state = grid.makeState();
        const qint64 slot = BaseSlot + 1;
        const qint64 t0 = slotStart(BaseSlot) + 60'000;
        QList<Transaction> inputs;
        qint64 ts = 0;
        switch (variant) {
        case 0:
            ts = slotStart(slot) + 1'000;
            inputs = {order("A", Side::Sell, 500, 120, slot, ts - 10), order("B", Side::Buy, 500, 200, slot, ts - 5)};
            break;
        case 1:
            ts = t0 + 10'000;
            inputs = {order("A", Side::Sell, 500, 120, slot, t0, false, t0 + 5'000),
                      order("B", Side::Buy, 500, 200, slot, t0, false, t0 + 5'000)};
            break;
        default: {
            const ledger::Block b1 = blockWith(*state, {order("A", Side::Sell, 500, 120, slot, t0)}, 1, t0 + 500);
            state->applyFinal(b1);
            QCOMPARE(state->book().size(), 1);
            ts = slotStart(slot);
            inputs = {order("B", Side::Buy, 500, 200, slot + 1, ts - 5)}; // a later slot: not a match anyway
            inputs.append(order("D", Side::Buy, 500, 200, slot, ts - 1));
            break;
        }
        }
        const ledger::Block b = blockWith(*state, inputs, 2, ts);
        QVERIFY(ofKind(b.txs, TxKind::Trade).isEmpty());
        state->applyFinal(b);
        QVERIFY(state->contracts().empty());
        QCOMPARE(state->totals().trades, quint64(0));
        for (const market::BookOrder &o : state->book().orders())
            QVERIFY2(o.slot > slot, "an order for a closed slot still rests");
        QCOMPARE(state->totals().orders, quint64(variant == 2 ? 3 : 2)); // final, though they traded nothing
    }

    // ---- Seeded multi-hour runs
    void conservationOverSixHours()
    {
        const RunResult r = agentRun(3, market::MarketMode::ContinuousDoubleAuction);
        QVERIFY2(r.conserved, qPrintable(r.conservationReport));
        QVERIFY(r.totals.trades > 0);
        QVERIFY(r.totals.settledSlots > 0);
        QVERIFY(r.totals.meterReadings > 0);
        QVERIFY(r.totals.energyTradedWh > 0);
        qInfo("cda 6 h: %llu orders, %llu trades, %lld Wh, %llu settled slots, %llu defaults",
              qulonglong(r.totals.orders), qulonglong(r.totals.trades), qlonglong(r.totals.energyTradedWh),
              qulonglong(r.totals.settledSlots), qulonglong(r.totals.defaults));

        // The same seed again: the same market, to the milli.
        const RunResult again = agentRun(3, market::MarketMode::ContinuousDoubleAuction);
        QCOMPARE(again.totals.orders, r.totals.orders);
        QCOMPARE(again.totals.cancels, r.totals.cancels);
        QCOMPARE(again.totals.trades, r.totals.trades);
        QCOMPARE(again.totals.halted, r.totals.halted);
        QCOMPARE(again.totals.energyTradedWh, r.totals.energyTradedWh);
        QCOMPARE(again.totals.valueTradedMilli, r.totals.valueTradedMilli);
        QCOMPARE(again.totals.defaults, r.totals.defaults);
        QCOMPARE(again.totals.penaltiesMilli, r.totals.penaltiesMilli);
        QCOMPARE(again.totals.gridImportWh, r.totals.gridImportWh);
        QCOMPARE(again.totals.gridExportWh, r.totals.gridExportWh);
        QCOMPARE(again.totals.settledSlots, r.totals.settledSlots);
        QCOMPARE(again.totals.meterReadings, r.totals.meterReadings);
        QVERIFY(again.balances == r.balances);
    }

    void paperAndCdaOnTheSameLoad()
    {
        const RunResult cda = agentRun(9, market::MarketMode::ContinuousDoubleAuction, 3);
        const RunResult paper = agentRun(9, market::MarketMode::Paper, 3);
        qInfo("same load, 3 h: cda %llu trades at %.1f milli/kWh (%lld Wh); paper %llu trades at %.1f milli/kWh (%lld Wh)",
              qulonglong(cda.totals.trades), cda.totals.meanPriceMilliPerKwh(), qlonglong(cda.totals.energyTradedWh),
              qulonglong(paper.totals.trades), paper.totals.meanPriceMilliPerKwh(), qlonglong(paper.totals.energyTradedWh));
        for (const RunResult *r : {&cda, &paper}) {
            QVERIFY2(r->conserved, qPrintable(r->conservationReport));
            QVERIFY(r->totals.trades > 0);
            QVERIFY(r->totals.settledSlots > 0);
            const double mean = r->totals.meanPriceMilliPerKwh();
            QVERIFY(mean >= 80.0 && mean <= 300.0);
        }
        // The same agents ordered in both: the load is the same.
        QCOMPARE(paper.totals.meterReadings, cda.totals.meterReadings);
    }
};

QTEST_GUILESS_MAIN(TestMarket)
#include "tst_market.moc"
