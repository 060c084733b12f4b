// The threaded facade: Microgrid hosts an Engine on its own thread; commands are queued, state
// comes back as snapshots and signals.

#include "engine_fixture.h"

#include "core/engine/microgrid.h"
#include "core/ledger/payloads.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QtTest>

#include <atomic>

using namespace mg;
using engine::Microgrid;
using engine::Scenario;
using engine::Snapshot;

namespace {

constexpr int WaitMs = 15000;

// A small demo microgrid: 20 nodes in 2 sub-chains.
Scenario smallScenario(double rate)
{
    return test::demoScenario(20, 2, rate, 21);
}

// A signed order built outside the engine, as a client holding the node's key would.
ledger::Transaction signedOrder(const Scenario &sc, const QString &node, ledger::ChainId chain, qint64 nowMs, quint64 nonce)
{
    ledger::OrderPayload order;
    order.side = ledger::Side::Buy;
    order.energyWh = 500; // within what any demo node delivers in a slot (>= 3 kW x 15 min)
    order.priceMilliPerKwh = 150;
    order.deliverySlot = nowMs / (15 * 60 * 1000) + 1;
    order.expiresAtMs = nowMs + 15 * 60 * 1000;
    ledger::Transaction tx;
    tx.kind = ledger::TxKind::Order;
    tx.chainId = chain;
    tx.sender = node;
    tx.timestampMs = nowMs;
    tx.nonce = nonce;
    tx.payload = order.encode();
    tx.sign(engine::Engine::seededKey(sc.seed, node));
    return tx;
}

const Snapshot::NodeStatus *findNode(const Snapshot &s, const QString &id)
{
    for (const Snapshot::NodeStatus &n : s.nodes)
        if (n.id == id)
            return &n;
    return nullptr;
}

// Asks the engine thread whether tx is final on chain.
bool isFinalOnEngine(Microgrid &mg, ledger::ChainId chain, const crypto::Hash256 &id)
{
    auto result = std::make_shared<std::atomic_int>(-1);
    mg.post([result, chain, id](engine::Engine &e) {
        consensus::ChainContext *ctx = e.chain(chain);
        *result = ctx && ctx->isFinal(id) ? 1 : 0;
    });
    QElapsedTimer t;
    t.start();
    while (*result < 0 && t.elapsed() < WaitMs)
        QTest::qWait(10);
    return *result == 1;
}

} // namespace

class TestMicrogrid : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void startProducesSnapshots();
    void submitThroughFacade();
    void crashThroughFacade();
    void faultAndPartitionThroughFacade();
    void commandFailedForUnknownNode();
    void pauseFreezesTheClock();
    void stopIsPrompt();
    void failedForBadScenario();
    void realClock();
};

void TestMicrogrid::startProducesSnapshots()
{
    Microgrid mg;
    QSignalSpy started(&mg, &Microgrid::started);
    QSignalSpy changed(&mg, &Microgrid::snapshotChanged);
    QSignalSpy failed(&mg, &Microgrid::failed);
    const Scenario sc = smallScenario(1.0);
    mg.start(sc, 20.0);
    QVERIFY(mg.isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, WaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(changed.count() >= 2, WaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->blocksFinal >= 6, WaitMs);
    QCOMPARE(failed.count(), 0);

    auto s = mg.snapshot();
    QVERIFY(s->running);
    QVERIFY(!s->paused);
    QCOMPARE(s->topology, engine::Topology::Double);
    QCOMPARE(s->clock, net::ClockMode::Virtual);
    QCOMPARE(s->nodes.size(), 20 + sc.regulators.size()); // the roster and the regulator node(s)
    QCOMPARE(s->chains.size(), 3); // two sub-chains and the parent chain
    QVERIFY(s->nowMs > sc.virtualStartMs);
    QVERIFY(s->ordersSubmitted > 0);
    QVERIFY(s->transactionsFinal > 0);
    QVERIFY(s->messagesSent > 0);
    QVERIFY(!s->recentBlocks.isEmpty());
    QVERIFY(s->consensusP50Ms > 0);
    QVERIFY(s->consensusP99Ms >= s->consensusP50Ms);
    // Rates and history for the dashboard: bounded, in time order, one entry per sub-chain.
    QVERIFY(!s->history.isEmpty());
    QVERIFY(s->history.size() <= Snapshot::HistorySize);
    for (qsizetype i = 1; i < s->history.size(); ++i)
        QVERIFY(s->history[i].nowMs > s->history[i - 1].nowMs);
    QCOMPARE(s->history.last().chains.size(), 2);
    QVERIFY(s->history.last().nowMs <= s->nowMs);
    double orders = 0, blocksPerSec = 0;
    for (const Snapshot::Sample &sample : s->history) {
        orders += sample.ordersPerSec;
        blocksPerSec += sample.blocksPerSec;
    }
    QVERIFY(orders > 0);
    QVERIFY(blocksPerSec > 0);
    QVERIFY(s->totals.conservationOk);
    QVERIFY(s->totals.orders <= s->ordersSubmitted);
    int billers = 0;
    for (const Snapshot::NodeStatus &n : s->nodes)
        billers += n.isBiller ? 1 : 0;
    QCOMPARE(billers, 2);
    quint64 blocks = 0;
    for (const engine::ChainStatus &c : s->chains)
        blocks += c.blocks;
    QCOMPARE(s->blocksFinal, blocks);

    // Snapshots keep coming, in sequence, with the virtual clock moving.
    const quint64 seq = s->sequence;
    const qint64 now = s->nowMs;
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->sequence > seq + 1, WaitMs);
    QVERIFY(mg.snapshot()->nowMs > now);
    // The snapshot we hold is immutable: it did not change under us.
    QCOMPARE(s->sequence, seq);
    mg.stop();
}

void TestMicrogrid::submitThroughFacade()
{
    Microgrid mg;
    QSignalSpy commandFailed(&mg, &Microgrid::commandFailed);
    const Scenario sc = smallScenario(0.0); // no synthetic load: only our orders
    mg.start(sc, 20.0);
    // Billers elected (their BillerChange transactions final on the parent chain).
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->chains.size() == 3 && mg.snapshot()->transactionsFinal >= 2, WaitMs);
    QTest::qWait(500);
    auto before = mg.snapshot();

    const QString node = QStringLiteral("N004");
    const Snapshot::NodeStatus *ns = findNode(*before, node);
    QVERIFY(ns);
    QList<ledger::Transaction> txs;
    for (quint64 i = 0; i < 3; ++i)
        txs.append(signedOrder(sc, node, ns->chainId, before->nowMs, 1000 + i));
    for (const ledger::Transaction &tx : txs)
        mg.submit(tx);

    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->transactionsFinal >= before->transactionsFinal + 3, WaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->ordersSubmitted >= before->ordersSubmitted + 3, WaitMs);
    for (const ledger::Transaction &tx : txs)
        QVERIFY(isFinalOnEngine(mg, ns->chainId, tx.id()));
    QCOMPARE(commandFailed.count(), 0);

    // A forged signature is refused through commandFailed.
    ledger::Transaction forged = signedOrder(sc, node, ns->chainId, before->nowMs, 2000);
    forged.nonce += 1; // no longer matches the signature
    mg.submit(forged);
    QTRY_COMPARE_WITH_TIMEOUT(commandFailed.count(), 1, WaitMs);
    QCOMPARE(commandFailed.first().first().value<mg::Error>().code, QStringLiteral("engine.signature"));
    mg.stop();
}

void TestMicrogrid::crashThroughFacade()
{
    Microgrid mg;
    mg.start(smallScenario(1.0), 10.0);
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->blocksFinal > 0, WaitMs);
    const QString node = QStringLiteral("N007");
    QVERIFY(!findNode(*mg.snapshot(), node)->down);

    mg.crash(node, true);
    QTRY_VERIFY_WITH_TIMEOUT(findNode(*mg.snapshot(), node)->down, WaitMs);
    for (const Snapshot::NodeStatus &n : mg.snapshot()->nodes)
        QCOMPARE(n.down, n.id == node);

    // Crashing a biller: the chain elects another and goes on.
    QString biller;
    ledger::ChainId chain = 0;
    for (const Snapshot::NodeStatus &n : mg.snapshot()->nodes)
        if (n.isBiller && n.id != node) {
            biller = n.id;
            chain = n.chainId;
        }
    QVERIFY(!biller.isEmpty());
    mg.crash(biller, true);
    QTRY_VERIFY_WITH_TIMEOUT(findNode(*mg.snapshot(), biller)->down, WaitMs);
    auto chainBiller = [&] {
        for (const engine::ChainStatus &c : mg.snapshot()->chains)
            if (c.id == chain)
                return c.biller;
        return QString();
    };
    QTRY_VERIFY_WITH_TIMEOUT(!chainBiller().isEmpty() && chainBiller() != biller, WaitMs);

    mg.crash(node, false);
    QTRY_VERIFY_WITH_TIMEOUT(!findNode(*mg.snapshot(), node)->down, WaitMs);
    mg.stop();
}

void TestMicrogrid::faultAndPartitionThroughFacade()
{
    Microgrid mg;
    mg.start(smallScenario(1.0), 20.0);
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->blocksFinal > 2, WaitMs);
    QString biller;
    for (const Snapshot::NodeStatus &n : mg.snapshot()->nodes)
        if (n.isBiller && n.chainId == 1)
            biller = n.id;
    QVERIFY(!biller.isEmpty());
    mg.setFault(biller, consensus::Fault::WrongMerkleRoot);
    QTRY_COMPARE_WITH_TIMEOUT(findNode(*mg.snapshot(), biller)->fault, consensus::Fault::WrongMerkleRoot, WaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(!mg.snapshot()->evidence.isEmpty(), WaitMs);
    QVERIFY(mg.snapshot()->evidence.join('\n').contains(biller));

    // Cut the network in two: messages get dropped; heal: they flow again.
    const quint64 dropped = mg.snapshot()->messagesDropped;
    QStringList half;
    for (int i = 1; i <= 10; ++i)
        half << QStringLiteral("N%1").arg(i, 3, 10, QLatin1Char('0'));
    mg.partition({half});
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->messagesDropped > dropped + 10, WaitMs);
    mg.heal();
    QTest::qWait(500);
    const quint64 blocks = mg.snapshot()->blocksFinal;
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->blocksFinal > blocks + 2, WaitMs);
    mg.stop();
}

void TestMicrogrid::commandFailedForUnknownNode()
{
    Microgrid mg;
    QSignalSpy commandFailed(&mg, &Microgrid::commandFailed);
    const Scenario sc = smallScenario(0.0);
    mg.start(sc, 5.0);
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->running, WaitMs);

    mg.submit(signedOrder(sc, QStringLiteral("nobody"), 1, sc.virtualStartMs, 1));
    QTRY_COMPARE_WITH_TIMEOUT(commandFailed.count(), 1, WaitMs);
    const mg::Error err = commandFailed.first().first().value<mg::Error>();
    QCOMPARE(err.code, QStringLiteral("engine.unknown_node"));
    QVERIFY(err.message.contains(QStringLiteral("nobody")));

    // An order for a chain that does not exist.
    mg.submit(signedOrder(sc, QStringLiteral("N001"), 77, sc.virtualStartMs, 2));
    QTRY_COMPARE_WITH_TIMEOUT(commandFailed.count(), 2, WaitMs);
    QCOMPARE(commandFailed.at(1).first().value<mg::Error>().code, QStringLiteral("engine.unknown_chain"));

    // Commands after stop are refused the same way, not dropped silently.
    mg.stop();
    mg.submit(signedOrder(sc, QStringLiteral("N001"), 1, sc.virtualStartMs, 3));
    QTRY_COMPARE_WITH_TIMEOUT(commandFailed.count(), 3, WaitMs);
    QCOMPARE(commandFailed.at(2).first().value<mg::Error>().code, QStringLiteral("engine.not_running"));
}

void TestMicrogrid::pauseFreezesTheClock()
{
    Microgrid mg;
    mg.start(smallScenario(1.0), 10.0);
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->blocksFinal > 0, WaitMs);
    mg.setPaused(true);
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->paused, WaitMs);
    QTest::qWait(300); // a snapshot taken just as the pause began may still show the clock moving
    const quint64 seq = mg.snapshot()->sequence;
    const qint64 frozen = mg.snapshot()->nowMs;
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->sequence >= seq + 2, WaitMs); // still publishing
    QCOMPARE(mg.snapshot()->nowMs, frozen);
    // Commands are still served while paused.
    mg.crash(QStringLiteral("N002"), true);
    QTRY_VERIFY_WITH_TIMEOUT(findNode(*mg.snapshot(), QStringLiteral("N002"))->down, WaitMs);

    mg.setPaused(false);
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->nowMs > frozen, WaitMs);
    mg.stop();
}

void TestMicrogrid::stopIsPrompt()
{
    Microgrid mg;
    QSignalSpy stopped(&mg, &Microgrid::stopped);
    mg.start(smallScenario(2.0), 1000.0); // as fast as it goes
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->blocksFinal > 0, WaitMs);
    QElapsedTimer timer;
    timer.start();
    mg.stop();
    // Promptly: a publishing period (200 ms) plus the slice being run; generous for slow machines.
    QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(!mg.isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, WaitMs);
    // Stopping again is harmless; a stopped microgrid can be started again.
    mg.stop();
    QCOMPARE(stopped.count(), 1);
    QSignalSpy started(&mg, &Microgrid::started);
    mg.start(smallScenario(0.0), 5.0);
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, WaitMs);
    mg.stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 2, WaitMs);
}

void TestMicrogrid::failedForBadScenario()
{
    Microgrid mg;
    QSignalSpy failed(&mg, &Microgrid::failed);
    QSignalSpy started(&mg, &Microgrid::started);
    Scenario empty;
    mg.start(empty, 1.0);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, WaitMs);
    QVERIFY(!failed.first().first().value<mg::Error>().message.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(!mg.isRunning(), WaitMs);
    QCOMPARE(started.count(), 0);
    mg.stop();
}

void TestMicrogrid::realClock()
{
    Microgrid mg;
    Scenario sc = smallScenario(2.0);
    sc.clock = net::ClockMode::Real;
    mg.start(sc, 1.0);
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->running, WaitMs);
    const qint64 wall = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(std::abs(mg.snapshot()->nowMs - wall) < 5000);
    QCOMPARE(mg.snapshot()->clock, net::ClockMode::Real);
    QTRY_VERIFY_WITH_TIMEOUT(mg.snapshot()->blocksFinal > 0, WaitMs);
    mg.stop();
}

QTEST_GUILESS_MAIN(TestMicrogrid)
#include "tst_microgrid.moc"
