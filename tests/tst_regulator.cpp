// The weak-centralization regulator end to end on the virtual clock: each rule halts a violating
// trade and lets a compliant one through; regulator actions need the regulator (role and key);
// kicks, joins and halts by hand; the audit trail on the parent chain is tamper-evident.

#include "core/auth/auth.h"
#include "core/engine/engine.h"
#include "core/store/store.h"

#include "store_fixture.h"

#include <QTemporaryDir>
#include <QTest>

using namespace mg;
using RA = ledger::RegulatorActionPayload::Action;
using Stage = consensus::Governance::Stage;
using regulator::HaltReason;
using TradeStatus = ledger::TradePayload::Status;

namespace {

const QString Regulator = QStringLiteral("REG1");
constexpr qint64 SlotMs = 60 * 1000;   // one-minute delivery slots keep settlement within seconds
constexpr double CapacityKw = 60.0;    // 1000 Wh per node per slot

// Two clusters of 4 nodes far apart: sub-chains 1 (G1N*) and 2 (G2N*). N1 and N2 are renewable.
QList<roster::NodeInfo> roster()
{
    QList<roster::NodeInfo> nodes;
    for (int g = 0; g < 2; ++g) {
        for (int i = 0; i < 4; ++i) {
            roster::NodeInfo n;
            n.id = QStringLiteral("G%1N%2").arg(g + 1).arg(i + 1);
            n.name = n.id;
            n.roles = roster::Role::Generator | roster::Role::Consumer;
            n.renewable = i < 2;
            n.environmental = 0.1 * i;
            n.cost = 0.5;
            n.stability = 0.5;
            n.capacityKw = CapacityKw;
            n.group = g + 1;
            n.lat = 38.80 + 0.1 * g + 0.001 * i;
            n.lon = 115.40;
            nodes.append(n);
        }
    }
    return nodes;
}

engine::Scenario scenario(bool autoApprove = true)
{
    engine::Scenario sc;
    sc.roster = roster();
    sc.groups = 2;
    sc.grouping = roster::GroupingMode::ByColumn;
    sc.seed = 11;
    sc.autoApproveGovernance = autoApprove;
    sc.consensus.blockIntervalUs = 100 * net::UsPerMs;
    sc.market.slotMs = SlotMs;
    sc.market.settleDelayMs = 5 * 1000;
    return sc;
}

// Every engine persists (settlements and the audit trail are read back from the store), each in a
// directory of its own that lives until the end of the run.
std::unique_ptr<engine::Engine> make(engine::Scenario sc)
{
    static std::vector<std::unique_ptr<QTemporaryDir>> dirs;
    if (sc.dataDir.isEmpty()) {
        dirs.push_back(std::make_unique<QTemporaryDir>());
        sc.dataDir = dirs.back()->path();
    }
    auto e = engine::Engine::create(sc);
    if (!e.ok())
        qFatal("%s", qPrintable(e.errorString()));
    std::unique_ptr<engine::Engine> engine = std::move(e).value();
    engine->start();
    engine->runFor(2 * net::UsPerSecond);
    return engine;
}

bool runUntil(engine::Engine &e, const std::function<bool()> &done, net::TimeUs maxUs)
{
    for (net::TimeUs t = 0; t < maxUs && !done(); t += 100 * net::UsPerMs)
        e.runFor(100 * net::UsPerMs);
    return done();
}

// A prosumer session for `node`, as Auth::login would make it.
auth::Session prosumer(const engine::Engine &e, const QString &node)
{
    auth::Session s;
    s.user = QStringLiteral("user-") + node;
    s.roles = auth::Role::Prosumer;
    s.nodes = {node};
    s.keys.insert(node, engine::Engine::seededKey(e.scenario().seed, node));
    return s;
}

auth::Session regulatorSession(const engine::Engine &e, bool withRole, bool withKey)
{
    auth::Session s;
    s.user = QStringLiteral("reg");
    s.roles = withRole ? auth::Roles(auth::Role::Regulator) : auth::Roles(auth::Role::Operator);
    if (withKey) {
        s.nodes = {Regulator};
        s.keys.insert(Regulator, engine::Engine::seededKey(e.scenario().seed, Regulator));
    } else {
        s.nodes = {QStringLiteral("G1N1")}; // a prosumer's key is no regulator's key
        s.keys.insert(QStringLiteral("G1N1"), engine::Engine::seededKey(e.scenario().seed, QStringLiteral("G1N1")));
    }
    return s;
}

class Market
{
public:
    explicit Market(engine::Engine &e)
        : m_e(e)
    {
        const qint64 now = e.loop().nowMs();
        m_slot = now / SlotMs + 1; // open: the gate closes when the slot starts
    }

    qint64 slot() const { return m_slot; }

    crypto::Hash256 order(const QString &node, ledger::Side side, qint64 wh, qint64 price, bool renewableOnly = false,
                          const crypto::Hash256 &accepts = {})
    {
        ledger::OrderPayload o;
        o.side = side;
        o.energyWh = wh;
        o.priceMilliPerKwh = price;
        o.renewableOnly = renewableOnly;
        o.deliverySlot = m_slot;
        o.expiresAtMs = m_slot * SlotMs;
        o.acceptsOrderId = accepts;
        auto id = m_e.placeOrder(prosumer(m_e, node), node, o);
        if (!id.ok())
            qWarning("order refused: %s", qPrintable(id.errorString()));
        return id.ok() ? id.value() : crypto::Hash256();
    }

    // A meter reading for the slot (or another): what the meters measured. Sub-chains make blocks
    // only when there is input, so a reading also "pokes" an idle chain into its next block,
    // which applies due regulator halts and settles due slots.
    bool meter(const QString &node, qint64 generatedWh, qint64 consumedWh, std::optional<qint64> slot = {})
    {
        ledger::MeterReadingPayload r;
        r.deliverySlot = slot.value_or(m_slot);
        r.generatedWh = generatedWh;
        r.consumedWh = consumedWh;
        ledger::Transaction tx;
        tx.kind = ledger::TxKind::MeterReading;
        tx.chainId = m_e.chainOf(node);
        tx.sender = node;
        tx.timestampMs = m_e.loop().nowMs();
        tx.nonce = 1'000'000'000ull + ++m_meterNonce;
        tx.payload = r.encode();
        tx.sign(engine::Engine::seededKey(m_e.scenario().seed, node));
        return m_e.submit(tx).ok();
    }
    bool poke(const QString &node) { return meter(node, 0, 0, m_slot + 1000 + qint64(m_meterNonce)); }

    // The trade (final) whose buy or sell order is `orderId`, if any.
    const market::ContractRecord *tradeOf(const crypto::Hash256 &orderId, ledger::ChainId chain = 1) const
    {
        for (const auto &[id, c] : m_e.market(chain)->contracts())
            if (c.trade.buyOrderId == orderId || c.trade.sellOrderId == orderId)
                return &c;
        return nullptr;
    }

private:
    engine::Engine &m_e;
    qint64 m_slot = 0;
    quint64 m_meterNonce = 0;
};

// Transfers of final Settlement transactions on `chain` that concern `tradeId`.
QList<ledger::Transfer> transfersOf(const engine::Engine &e, ledger::ChainId chain, const crypto::Hash256 &tradeId)
{
    QList<ledger::Transfer> list;
    store::TxQuery q;
    q.kind = ledger::TxKind::Settlement;
    q.chainId = chain;
    q.limit = 0;
    auto refs = e.store()->findTransactions(q);
    if (!refs.ok())
        return list;
    for (const store::TxRef &r : *refs)
        if (auto tx = e.store()->transaction(r.id); tx.ok())
            if (auto s = ledger::SettlementPayload::decode(tx->payload); s.ok())
                for (const ledger::Transfer &t : s->transfers)
                    if (t.tradeId == tradeId)
                        list.append(t);
    return list;
}

bool setRules(engine::Engine &e, const QStringList &assignments)
{
    regulator::Rules r = e.rules().current();
    for (const QString &a : assignments)
        if (!r.set(a).ok())
            return false;
    auto tx = e.regulateAs(Regulator, RA::SetRules, {}, {}, QStringLiteral("test rules"), r.encode());
    if (!tx.ok())
        return false;
    // Final on the parent chain, then in effect after the delay.
    if (!runUntil(e, [&] { return e.rules().current() == r; }, 10 * net::UsPerSecond))
        return false;
    e.runFor((regulator::RuleBook::EffectDelayMs + 500) * net::UsPerMs);
    return true;
}

} // namespace

class TestRegulator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rules_data();
    void rules();
    void actionsNeedTheRegulator_data();
    void actionsNeedTheRegulator();
    void forgedActionRefused();
    void kickByRegulator_data();
    void kickByRegulator();
    void haltByHand_data();
    void haltByHand();
    void joinApproveAndVeto_data();
    void joinApproveAndVeto();
    void auditTrailTamperEvident();
};

void TestRegulator::rules_data()
{
    QTest::addColumn<QString>("rule");
    QTest::addColumn<bool>("violate");
    QTest::addColumn<int>("reason");
    const QList<std::pair<QString, HaltReason>> rules{
        {QStringLiteral("price_band"), HaltReason::PriceBand},
        {QStringLiteral("trade_size"), HaltReason::TradeSize},
        {QStringLiteral("export_limit"), HaltReason::ExportLimit},
        {QStringLiteral("feeder_capacity"), HaltReason::FeederCapacity},
        {QStringLiteral("inactive_party"), HaltReason::InactiveParty},
        {QStringLiteral("renewable_only"), HaltReason::RenewableMismatch},
        {QStringLiteral("self_trade"), HaltReason::SelfTrade},
    };
    for (const auto &[rule, reason] : rules) {
        QTest::addRow("%s violated", qPrintable(rule)) << rule << true << int(reason);
        QTest::addRow("%s compliant", qPrintable(rule)) << rule << false << int(HaltReason::None);
    }
}

void TestRegulator::rules()
{
    QFETCH(QString, rule);
    QFETCH(bool, violate);
    QFETCH(int, reason);
    auto engine = make(scenario());
    engine::Engine &e = *engine;
    using ledger::Side;
    const QString a = QStringLiteral("G1N1"), b = QStringLiteral("G1N2"), c = QStringLiteral("G1N3"), d = QStringLiteral("G1N4");

    // The order whose trade is checked: `buy` rests, `sell` crosses it (or accepts it).
    crypto::Hash256 checked;
    if (rule == QLatin1String("price_band")) {
        QVERIFY(setRules(e, {QStringLiteral("min_price=150"), QStringLiteral("max_price=200")}));
        Market m(e);
        const qint64 price = violate ? 250 : 180;
        m.order(b, Side::Buy, 100, price);
        e.runFor(net::UsPerSecond);
        checked = m.order(a, Side::Sell, 100, price);
    } else if (rule == QLatin1String("trade_size")) {
        QVERIFY(setRules(e, {QStringLiteral("max_trade_wh=500")}));
        Market m(e);
        const qint64 wh = violate ? 600 : 400;
        m.order(b, Side::Buy, wh, 200);
        e.runFor(net::UsPerSecond);
        checked = m.order(a, Side::Sell, wh, 200);
    } else if (rule == QLatin1String("export_limit")) {
        // Two sells by one seller in one slot: 600 + (600 | 300) Wh against 1000 Wh of capacity.
        Market m(e);
        m.order(b, Side::Buy, 600, 200);
        e.runFor(net::UsPerSecond);
        m.order(a, Side::Sell, 600, 200);
        e.runFor(net::UsPerSecond);
        m.order(c, Side::Buy, violate ? 600 : 300, 200);
        e.runFor(net::UsPerSecond);
        checked = m.order(a, Side::Sell, violate ? 600 : 300, 200);
    } else if (rule == QLatin1String("feeder_capacity")) {
        QVERIFY(setRules(e, {QStringLiteral("feeder_wh=500")}));
        Market m(e);
        m.order(b, Side::Buy, 300, 200);
        e.runFor(net::UsPerSecond);
        m.order(a, Side::Sell, 300, 200);
        e.runFor(net::UsPerSecond);
        m.order(d, Side::Buy, violate ? 300 : 200, 200);
        e.runFor(net::UsPerSecond);
        checked = m.order(c, Side::Sell, violate ? 300 : 200, 200);
    } else if (rule == QLatin1String("inactive_party")) {
        // d's buy rests; d is suspended (or not); then a crossing sell arrives.
        Market m(e);
        const QString buyer = e.chain(1)->biller() == d ? c : d;
        m.order(buyer, Side::Buy, 100, 200);
        e.runFor(net::UsPerSecond);
        if (violate) {
            QVERIFY(e.regulateAs(Regulator, RA::Suspend, buyer, {}, QStringLiteral("meter fraud")).ok());
            QVERIFY(runUntil(e, [&] { return e.directory().find(buyer)->info.state == roster::MembershipState::Suspended; },
                             5 * net::UsPerSecond));
        }
        const QString seller = buyer == d ? a : b;
        checked = m.order(seller, Side::Sell, 100, 200);
    } else if (rule == QLatin1String("renewable_only")) {
        // A renewable-only demand accepted by a non-renewable (c) or a renewable (a) seller.
        Market m(e);
        const crypto::Hash256 demand = m.order(b, Side::Buy, 100, 200, true);
        e.runFor(net::UsPerSecond);
        checked = m.order(violate ? c : a, Side::Sell, 100, 200, false, demand);
    } else if (rule == QLatin1String("self_trade")) {
        // a's sell accepts its own buy (or b's).
        Market m(e);
        const crypto::Hash256 demand = m.order(violate ? a : b, Side::Buy, 100, 200);
        e.runFor(net::UsPerSecond);
        checked = m.order(a, Side::Sell, 100, 200, false, demand);
    }
    QVERIFY(!checked.isNull());
    Market view(e);
    QVERIFY2(runUntil(e, [&] { return view.tradeOf(checked) != nullptr; }, 5 * net::UsPerSecond), "no trade became final");
    const market::ContractRecord *trade = view.tradeOf(checked);
    QCOMPARE(int(trade->trade.haltReason), reason);
    QCOMPARE(trade->trade.status, violate ? TradeStatus::Halted : TradeStatus::Matched);
    QCOMPARE(trade->status, violate ? market::ContractStatus::Halted : market::ContractStatus::Final);
    const crypto::Hash256 tradeId = trade->tradeId;
    const qint64 slot = trade->trade.deliverySlot;

    // The meters report during the slot; after it, the next block settles it. A halted trade
    // moves nothing.
    const QString buyer = trade->trade.buyer, seller = trade->trade.seller;
    const qint64 wh = trade->trade.energyWh;
    Market meters(e);
    // The seller generates its whole capacity (it may have sold twice in the slot).
    (void)meters.meter(seller, 1000, buyer == seller ? wh : 0, slot); // a suspended node's meter is refused
    if (buyer != seller)
        (void)meters.meter(buyer, 0, wh, slot);
    QVERIFY(runUntil(e, [&] { return e.loop().nowMs() > (slot + 1) * SlotMs + 6000; }, 200 * net::UsPerSecond));
    const quint64 settledBefore = e.market(1)->totals().settledSlots;
    QVERIFY(meters.poke(QStringLiteral("G1N1")) || meters.poke(QStringLiteral("G1N2")));
    QVERIFY(runUntil(e, [&] { return e.market(1)->totals().settledSlots > settledBefore; }, 5 * net::UsPerSecond));
    const QList<ledger::Transfer> transfers = transfersOf(e, 1, tradeId);
    if (violate) {
        QVERIFY(transfers.isEmpty());
        QCOMPARE(e.market(1)->contracts().at(tradeId).status, market::ContractStatus::Halted);
    } else {
        QVERIFY(!transfers.isEmpty());
        QCOMPARE(e.market(1)->contracts().at(tradeId).status, market::ContractStatus::Delivered);
    }
}

void TestRegulator::actionsNeedTheRegulator_data()
{
    QTest::addColumn<int>("action");
    QTest::addColumn<QString>("who"); // regulator | no_role | no_key
    const QList<std::pair<const char *, RA>> actions{
        {"halt", RA::HaltTrade}, {"suspend", RA::Suspend}, {"unsuspend", RA::Unsuspend}, {"kick", RA::ProposeKick},
        {"rules", RA::SetRules}, {"weights", RA::SetWeights},
    };
    for (const auto &[name, a] : actions)
        for (const char *who : {"regulator", "no_role", "no_key"})
            QTest::addRow("%s by %s", name, who) << int(a) << QString::fromLatin1(who);
}

void TestRegulator::actionsNeedTheRegulator()
{
    QFETCH(int, action);
    QFETCH(QString, who);
    const RA ra = RA(action);
    auto engine = make(scenario(false));
    engine::Engine &e = *engine;
    const QString subject = QStringLiteral("G2N3");
    crypto::Hash256 target;
    QByteArray data;
    if (ra == RA::HaltTrade) {
        Market m(e);
        target = m.order(subject, ledger::Side::Buy, 100, 200);
        e.runFor(net::UsPerSecond);
        QVERIFY(e.market(2)->book().find(target));
    } else if (ra == RA::SetRules) {
        regulator::Rules r;
        QVERIFY(r.set(QStringLiteral("max_trade_wh=5000")).ok());
        data = r.encode();
    } else if (ra == RA::SetWeights) {
        data = QByteArrayLiteral("0.25,0.25,0.25,0.25");
    } else if (ra == RA::Unsuspend) {
        QVERIFY(e.regulateAs(Regulator, RA::Suspend, subject, {}, QStringLiteral("setup")).ok());
        QVERIFY(runUntil(e, [&] { return !e.directory().isActive(subject); }, 5 * net::UsPerSecond));
    }
    const bool needsSubject = ra == RA::Suspend || ra == RA::Unsuspend || ra == RA::ProposeKick;
    const roster::MembershipState stateBefore = e.directory().find(subject)->info.state;
    const quint64 submittedBefore = e.metrics().submitted;
    store::TxQuery actions;
    actions.kind = ledger::TxKind::RegulatorAction;
    const qsizetype actionsBefore = e.store()->findTransactions(actions)->size();
    const int proposalsBefore = int(e.governance().proposals().size());

    const auth::Session caller = regulatorSession(e, who != QLatin1String("no_role"), who != QLatin1String("no_key"));
    auto tx = e.regulate(caller, ra, needsSubject ? subject : QString(), target, QStringLiteral("test"), data);
    if (who != QLatin1String("regulator")) {
        QVERIFY(!tx.ok());
        QCOMPARE(tx.error().code, QStringLiteral("auth.forbidden"));
        QCOMPARE(e.metrics().submitted, submittedBefore);
        e.runFor(3 * net::UsPerSecond);
        QCOMPARE(e.directory().find(subject)->info.state, stateBefore);
        QCOMPARE(int(e.governance().proposals().size()), proposalsBefore);
        QCOMPARE(e.rules().current(), regulator::Rules());
        QCOMPARE(e.store()->findTransactions(actions)->size(), actionsBefore);
        if (ra == RA::HaltTrade) {
            QVERIFY(Market(e).poke(QStringLiteral("G2N1")));
            e.runFor(net::UsPerSecond);
            QVERIFY(e.market(2)->book().find(target));
        }
        return;
    }
    QVERIFY2(tx.ok(), qPrintable(tx.errorString()));
    QCOMPARE(e.metrics().submitted, submittedBefore + 1);
    e.runFor(3 * net::UsPerSecond);
    QCOMPARE(e.store()->findTransactions(actions)->size(), actionsBefore + 1);
    if (ra == RA::HaltTrade) { // in force from the sub-chain's next block
        QVERIFY(Market(e).poke(QStringLiteral("G2N1")));
        e.runFor(net::UsPerSecond);
    }
    switch (ra) {
    case RA::HaltTrade: QVERIFY(!e.market(2)->book().find(target)); break;
    case RA::Suspend: QCOMPARE(e.directory().find(subject)->info.state, roster::MembershipState::Suspended); break;
    case RA::Unsuspend: QCOMPARE(e.directory().find(subject)->info.state, roster::MembershipState::Active); break;
    case RA::ProposeKick: QCOMPARE(int(e.governance().proposals().size()), proposalsBefore + 1); break;
    case RA::SetRules: QCOMPARE(e.rules().current().maxTradeWh, 5000); break;
    case RA::SetWeights: QCOMPARE(e.directory().weights().toString(), QStringLiteral("0.25,0.25,0.25,0.25")); break;
    default: break;
    }
}

void TestRegulator::forgedActionRefused()
{
    auto engine = make(scenario());
    engine::Engine &e = *engine;
    const QString forger = QStringLiteral("G1N2");
    ledger::RegulatorActionPayload p;
    p.action = RA::Suspend;
    p.subject = QStringLiteral("G1N3");
    p.reason = QStringLiteral("forged");
    ledger::Transaction tx;
    tx.kind = ledger::TxKind::RegulatorAction;
    tx.chainId = e.governanceChain();
    tx.sender = forger;
    tx.timestampMs = e.loop().nowMs();
    tx.nonce = 777;
    tx.payload = p.encode();
    tx.sign(engine::Engine::seededKey(e.scenario().seed, forger));
    const quint64 before = e.metrics().submitted;
    QVERIFY(!e.submit(tx).ok());
    QCOMPARE(e.metrics().submitted, before);
    // Claiming to be the regulator with an ordinary key fails the signature check.
    tx.sender = Regulator;
    tx.sign(engine::Engine::seededKey(e.scenario().seed, forger));
    QVERIFY(!e.submit(tx).ok());
    e.runFor(3 * net::UsPerSecond);
    QCOMPARE(e.directory().find(QStringLiteral("G1N3"))->info.state, roster::MembershipState::Active);
}

void TestRegulator::kickByRegulator_data()
{
    QTest::addColumn<bool>("enoughVotes");
    QTest::newRow("below the parent threshold") << false;
    QTest::newRow("above the parent threshold") << true;
}

void TestRegulator::kickByRegulator()
{
    QFETCH(bool, enoughVotes);
    auto engine = make(scenario(false));
    engine::Engine &e = *engine;
    const QString subject = e.chain(2)->biller() == QStringLiteral("G2N4") ? QStringLiteral("G2N3") : QStringLiteral("G2N4");
    auto kick = e.regulateAs(Regulator, RA::ProposeKick, subject, {}, QStringLiteral("repeated defaults"));
    QVERIFY2(kick.ok(), qPrintable(kick.errorString()));
    QVERIFY(runUntil(e, [&] { return e.governance().proposal(kick.value()); }, 5 * net::UsPerSecond));
    const auto *p = e.governance().proposal(kick.value());
    QCOMPARE(p->stage, Stage::ParentVote);
    // Parent members: the two billers and the regulator (who voted yes). 2 of 3 is more than half.
    const QList<QString> voters = e.governance().voters(*p);
    QCOMPARE(voters.size(), 3);
    for (const QString &v : voters)
        if (v != Regulator)
            QVERIFY(e.vote(v, kick.value(), enoughVotes && v == e.chain(1)->biller()).ok());
    QVERIFY(runUntil(e, [&] {
        const auto *q = e.governance().proposal(kick.value());
        return q->stage == Stage::Approved || q->stage == Stage::Rejected;
    }, 5 * net::UsPerSecond));
    QCOMPARE(e.governance().proposal(kick.value())->stage, enoughVotes ? Stage::Approved : Stage::Rejected);
    QCOMPARE(e.directory().find(subject)->info.state,
             enoughVotes ? roster::MembershipState::Evicted : roster::MembershipState::Active);
}

void TestRegulator::haltByHand_data()
{
    QTest::addColumn<QString>("when");
    QTest::newRow("resting order") << QStringLiteral("order");
    QTest::newRow("final contract") << QStringLiteral("final");
    QTest::newRow("settled contract") << QStringLiteral("settled");
}

void TestRegulator::haltByHand()
{
    QFETCH(QString, when);
    auto engine = make(scenario());
    engine::Engine &e = *engine;
    const QString buyer = QStringLiteral("G1N2"), seller = QStringLiteral("G1N1");
    Market m(e);
    const crypto::Hash256 buy = m.order(buyer, ledger::Side::Buy, 200, 200);
    e.runFor(net::UsPerSecond);
    QVERIFY(e.market(1)->book().find(buy));
    const auto halt = [&](const crypto::Hash256 &target) {
        auto tx = e.regulateAs(Regulator, RA::HaltTrade, {}, target, QStringLiteral("manual halt"));
        QVERIFY2(tx.ok(), qPrintable(tx.errorString()));
        e.runFor(3 * net::UsPerSecond);
    };

    if (when == QLatin1String("order")) {
        halt(buy);
        m.order(seller, ledger::Side::Sell, 200, 200); // its block applies the halt first
        e.runFor(3 * net::UsPerSecond);
        QVERIFY(!e.market(1)->book().find(buy));
        QVERIFY(!m.tradeOf(buy)); // it never trades
        QVERIFY(e.market(1)->contracts().empty());
        return;
    }

    m.order(seller, ledger::Side::Sell, 200, 200);
    QVERIFY(runUntil(e, [&] { return m.tradeOf(buy) != nullptr; }, 5 * net::UsPerSecond));
    const crypto::Hash256 tradeId = m.tradeOf(buy)->tradeId;
    QCOMPARE(m.tradeOf(buy)->status, market::ContractStatus::Final);
    QVERIFY(m.meter(seller, 200, 0));
    QVERIFY(m.meter(buyer, 0, 200));
    const qint64 settleAtMs = (m.slot() + 1) * SlotMs + 5000;

    if (when == QLatin1String("final")) {
        halt(tradeId);
        QVERIFY(m.poke(QStringLiteral("G1N3")));
        e.runFor(net::UsPerSecond);
        QCOMPARE(e.market(1)->contracts().at(tradeId).status, market::ContractStatus::Halted);
        QVERIFY(runUntil(e, [&] { return e.loop().nowMs() > settleAtMs + 2000; }, 200 * net::UsPerSecond));
        const quint64 settledBefore = e.market(1)->totals().settledSlots;
        QVERIFY(m.poke(QStringLiteral("G1N3")));
        QVERIFY(runUntil(e, [&] { return e.market(1)->totals().settledSlots > settledBefore; }, 5 * net::UsPerSecond));
        QVERIFY(transfersOf(e, 1, tradeId).isEmpty()); // never settles
        QCOMPARE(e.market(1)->contracts().at(tradeId).status, market::ContractStatus::Halted);
        return;
    }

    // Settled: a reversing settlement puts the money back.
    QVERIFY(runUntil(e, [&] { return e.loop().nowMs() > settleAtMs + 1000; }, 200 * net::UsPerSecond));
    QVERIFY(m.poke(QStringLiteral("G1N3")));
    QVERIFY(runUntil(e, [&] { return e.market(1)->contracts().at(tradeId).status == market::ContractStatus::Delivered; },
                     5 * net::UsPerSecond));
    const QList<ledger::Transfer> paid = transfersOf(e, 1, tradeId);
    QVERIFY(!paid.isEmpty());
    qint64 buyerDelta = 0, sellerDelta = 0;
    for (const ledger::Transfer &t : paid) {
        buyerDelta += (t.to == buyer ? t.amountMilli : 0) - (t.from == buyer ? t.amountMilli : 0);
        sellerDelta += (t.to == seller ? t.amountMilli : 0) - (t.from == seller ? t.amountMilli : 0);
    }
    QVERIFY(sellerDelta > 0);
    const qint64 buyerSettled = e.market(1)->accounts().balance(buyer);
    const qint64 sellerSettled = e.market(1)->accounts().balance(seller);
    halt(tradeId);
    QVERIFY(m.poke(QStringLiteral("G1N3")));
    e.runFor(net::UsPerSecond);
    QCOMPARE(e.market(1)->contracts().at(tradeId).status, market::ContractStatus::Halted);
    QList<ledger::Transfer> reversal;
    for (const ledger::Transfer &t : transfersOf(e, 1, tradeId))
        if (t.reason == ledger::Transfer::Reason::Reversal)
            reversal.append(t);
    QCOMPARE(reversal.size(), paid.size());
    QCOMPARE(e.market(1)->accounts().balance(buyer), buyerSettled - buyerDelta);
    QCOMPARE(e.market(1)->accounts().balance(seller), sellerSettled - sellerDelta);
}

void TestRegulator::joinApproveAndVeto_data()
{
    QTest::addColumn<bool>("approve");
    QTest::newRow("regulator approves") << true;
    QTest::newRow("regulator vetoes") << false;
}

void TestRegulator::joinApproveAndVeto()
{
    QFETCH(bool, approve);
    auto engine = make(scenario(false));
    engine::Engine &e = *engine;
    roster::NodeInfo joiner;
    joiner.id = QStringLiteral("NEW1");
    joiner.roles = roster::Role::Consumer;
    joiner.lat = 38.801;
    joiner.lon = 115.40;
    auto request = e.requestJoin(joiner);
    QVERIFY2(request.ok(), qPrintable(request.errorString()));
    QVERIFY(runUntil(e, [&] { return e.governance().proposal(request.value()); }, 5 * net::UsPerSecond));
    QCOMPARE(e.governance().proposal(request.value())->stage, Stage::SubChainVote);
    auto action = e.regulateAs(Regulator, approve ? RA::ApproveJoin : RA::RejectJoin, {}, request.value(),
                               approve ? QStringLiteral("meets the grid code") : QStringLiteral("no grid certificate"));
    QVERIFY2(action.ok(), qPrintable(action.errorString()));
    e.runFor(2 * net::UsPerSecond);

    // The sub-chain's members all vote yes.
    const ledger::ChainId target = e.governance().proposal(request.value())->targetChain;
    QCOMPARE(target, 1u);
    for (const QString &m : e.chain(target)->members())
        (void)e.vote(m, request.value(), true);
    e.runFor(2 * net::UsPerSecond);
    const auto *p = e.governance().proposal(request.value());
    if (!approve) {
        QCOMPARE(p->stage, Stage::Rejected); // the veto stands though the members voted yes
        QVERIFY(e.chainOf(QStringLiteral("NEW1")) == 0);
        return;
    }
    QCOMPARE(p->stage, Stage::ParentVote);
    QVERIFY(p->yes.contains(Regulator)); // the regulator's approval counts at the parent vote
    // Parent members: 2 billers + the regulator; one biller more makes 2 of 3.
    QVERIFY(e.vote(e.chain(1)->biller(), request.value(), true).ok());
    QVERIFY(runUntil(e, [&] { return e.governance().proposal(request.value())->stage == Stage::Approved; },
                     5 * net::UsPerSecond));
    QVERIFY(runUntil(e, [&] { return e.chainOf(QStringLiteral("NEW1")) == 1; }, 5 * net::UsPerSecond));
}

void TestRegulator::auditTrailTamperEvident()
{
    QTemporaryDir dir;
    engine::Scenario sc = scenario();
    sc.dataDir = dir.path();
    quint64 height = 0;
    {
        auto engine = make(sc);
        engine::Engine &e = *engine;
        auto suspend = e.regulateAs(Regulator, RA::Suspend, QStringLiteral("G2N4"), {}, QStringLiteral("audit me"));
        QVERIFY(suspend.ok());
        auto weights = e.regulateAs(Regulator, RA::SetWeights, {}, {}, QStringLiteral("audit me too"),
                                    QByteArrayLiteral("0.25,0.25,0.25,0.25"));
        QVERIFY(weights.ok());
        QVERIFY(runUntil(e, [&] { return e.store()->transactionRef(weights.value()).ok() && e.store()->transactionRef(suspend.value()).ok(); },
                         5 * net::UsPerSecond));
        const auto ref = e.store()->transactionRef(suspend.value());
        QCOMPARE(ref->chainId, 0u);
        height = ref->height;
        QVERIFY(e.store()->validate().findings.isEmpty());
    }
    {
        test::RawDb raw(store::Store::databasePath(dir.path()));
        QVERIFY(raw.isOpen());
        QByteArray blob = raw.exec(QStringLiteral("SELECT body FROM blocks WHERE chain_id = 0 AND height = ?"), {qint64(height)}).toByteArray();
        QVERIFY(!blob.isEmpty());
        // The reason text "audit me" sits in the body: change one of its bytes.
        const qsizetype at = blob.indexOf("audit me");
        QVERIFY(at >= 0);
        blob[at] = char(blob[at] ^ 0x20);
        raw.exec(QStringLiteral("UPDATE blocks SET body = ? WHERE chain_id = 0 AND height = ?"), {blob, qint64(height)});
    }
    auto store = store::Store::open(dir.path(), store::Store::Options{.readOnly = true, .create = false});
    QVERIFY2(store.ok(), qPrintable(store.errorString()));
    const auto report = (*store)->validate();
    QVERIFY(!report.findings.isEmpty());
    QCOMPARE(report.findings.first().chainId, 0u);
    QCOMPARE(report.findings.first().height, height);
}

QTEST_GUILESS_MAIN(TestRegulator)
#include "tst_regulator.moc"
