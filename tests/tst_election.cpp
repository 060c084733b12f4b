// DBSCA biller election on the real protocol (nominations, confirmations, certificates over the
// virtual network), and how a chain recovers from a crashed biller and from partitions.

#include "engine_fixture.h"

#include "core/ledger/payloads.h"

#include <QtTest>

using namespace mg;
using engine::Engine;
using engine::Scenario;
using engine::Topology;
using net::UsPerMs;
using net::UsPerSecond;
using roster::NodeInfo;
using test::makeNode;

Q_DECLARE_METATYPE(roster::Weights)
Q_DECLARE_METATYPE(roster::NodeInfo)
Q_DECLARE_METATYPE(consensus::RotationPolicy)
Q_DECLARE_METATYPE(engine::Topology)

namespace {

using Roster = QList<NodeInfo>;

// Every live member of the chain has left its election and agrees on the round.
bool membersSettled(Engine &e, ledger::ChainId chain)
{
    consensus::ChainContext *ctx = e.chain(chain);
    if (!ctx || ctx->biller().isEmpty())
        return false;
    std::optional<quint64> round;
    for (const QString &id : ctx->members()) {
        consensus::Node *n = e.node(id);
        if (!n || n->isDown())
            continue;
        consensus::ChainMember *m = n->member(chain);
        if (!m || m->electionOpen())
            return false;
        if (round && *round != m->round())
            return false;
        round = m->round();
    }
    return true;
}

// Weaker than membersSettled, for after a partition: members that only missed a certificate
// while cut off may stay on the older round until the next election (they still follow the
// chain's biller); but no one has an election open or sits in a round newer than the biller's.
bool membersAgree(Engine &e, ledger::ChainId chain)
{
    consensus::ChainContext *ctx = e.chain(chain);
    if (!ctx || ctx->biller().isEmpty())
        return false;
    for (const QString &id : ctx->members()) {
        consensus::ChainMember *m = e.node(id)->member(chain);
        if (!m || m->electionOpen() || m->round() > ctx->billerRound())
            return false;
    }
    return true;
}

QString nodeId(int i)
{
    return QStringLiteral("N%1").arg(i, 2, 10, QLatin1Char('0'));
}

} // namespace

class TestElection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void winner_data();
    void winner();
    void noGeneratorNoBiller();
    void quorumNotReached_data();
    void quorumNotReached();
    void billerCrash_data();
    void billerCrash();
    void partitionMinorityMajority_data();
    void partitionMinorityMajority();
};

void TestElection::winner_data()
{
    QTest::addColumn<Roster>("nodes");
    QTest::addColumn<roster::Weights>("weights");
    QTest::addColumn<bool>("weightsViaDirectory"); // else via the scenario
    QTest::addColumn<QString>("expected");

    const roster::Weights defaults;
    // Under the default weights (R .2, E .3, C .4, S .1):
    //   N01 0.2+0.21+0.32+0.01 = 0.74   N02 0+0.27+0.36+0.02 = 0.65   N03 0.2+0.15+0.2+0.09 = 0.64
    //   N04 0.2+0.03+0.04+0.095 = 0.365 ... the others lower.
    auto base = [] {
        Roster r;
        r << makeNode("N01", true, true, 0.7, 0.8, 0.1)
          << makeNode("N02", true, false, 0.9, 0.9, 0.2)
          << makeNode("N03", true, true, 0.5, 0.5, 0.9)
          << makeNode("N04", true, true, 0.1, 0.1, 0.95);
        for (int i = 5; i <= 10; ++i)
            r << makeNode(nodeId(i), i % 2 == 0, false, 0.1 + 0.01 * i, 0.1, 0.1);
        return r;
    };

    QTest::newRow("highest score wins") << base() << defaults << false << "N01";

    {
        Roster r = base();
        std::swap(r[0], r[5]); // roster order does not matter
        QTest::newRow("highest score wins, any roster order") << r << defaults << false << "N01";
    }
    {
        // N07 and N03 tie at the top; N07 is listed first. The lower id wins.
        Roster r = base();
        r[0] = makeNode("N01", true, false, 0.1, 0.1, 0.1);
        r[2] = makeNode("N03", true, true, 0.9, 0.9, 0.9);
        r[6] = makeNode("N07", true, true, 0.9, 0.9, 0.9);
        std::swap(r[2], r[6]);
        QTest::newRow("tie broken by lowest id") << r << defaults << false << "N03";
    }
    {
        // Equal measured scores (overrides), different attributes.
        Roster r = base();
        r[8] = makeNode("N09", true, false, 0, 0, 0, 0.99);
        r[4] = makeNode("N05", true, false, 0, 0, 0, 0.99);
        QTest::newRow("tie on overrides") << r << defaults << false << "N05";
    }
    {
        Roster r = base();
        r[9] = makeNode("N10", true, false, 0.0, 0.0, 0.0, 0.80); // formula 0, measured 0.80
        QTest::newRow("score override beats the formula") << r << defaults << false << "N10";
    }
    {
        Roster r = base();
        r[0] = makeNode("N01", true, true, 1.0, 1.0, 1.0, 0.05); // formula 1.0, measured 0.05
        QTest::newRow("low override loses despite best attributes") << r << defaults << false << "N02";
    }
    {
        Roster r = base();
        r[0] = makeNode("N01", false, true, 1.0, 1.0, 1.0); // the best score, but a consumer
        r[1] = makeNode("N02", false, true, 0.9, 0.9, 0.9);
        QTest::newRow("non-generators never win") << r << defaults << false << "N03";
    }
    {
        Roster r = base();
        r[0] = makeNode("N01", false, true, 1.0, 1.0, 1.0, 1.0); // even with a measured score
        QTest::newRow("non-generator with override never wins") << r << defaults << false << "N02";
    }
    {
        Roster r = base();
        for (int i = 0; i < r.size(); ++i)
            if (r[i].id != QLatin1String("N06"))
                r[i].roles = roster::Role::Consumer;
        QTest::newRow("the only generator wins") << r << defaults << false << "N06";
    }

    roster::Weights stabilityOnly{0, 0, 0, 1};
    QTest::newRow("custom weights: stability only") << base() << stabilityOnly << false << "N04";
    roster::Weights envCost{0, 0.5, 0.5, 0};
    QTest::newRow("custom weights: environment and cost") << base() << envCost << false << "N02";
    roster::Weights renewableHeavy{0.7, 0.1, 0.1, 0.1};
    // N01 0.7+0.07+0.08+0.01 = 0.86; N03 0.7+0.05+0.05+0.09 = 0.89; N04 0.7+0.01+0.01+0.095 = 0.815
    QTest::newRow("custom weights: renewable heavy") << base() << renewableHeavy << false << "N03";
    // Weights changed in the directory before the chains start (what a governance transaction
    // would do) rather than in the scenario.
    QTest::newRow("weights set in the directory before start") << base() << stabilityOnly << true << "N04";
    QTest::newRow("directory weights, renewable heavy") << base() << renewableHeavy << true << "N03";
}

void TestElection::winner()
{
    QFETCH(Roster, nodes);
    QFETCH(roster::Weights, weights);
    QFETCH(bool, weightsViaDirectory);
    QFETCH(QString, expected);
    QVERIFY(weights.isValid());

    for (Topology topology : {Topology::Single, Topology::Double}) {
        const QByteArray what = "topology " + engine::topologyName(topology).toUtf8();
        Scenario sc = test::scenarioFor(nodes, topology, 1);
        sc.consensus.rotation = consensus::RotationPolicy::OnFailure;
        if (!weightsViaDirectory)
            sc.weights = weights;
        auto e = test::createEngine(sc);
        QVERIFY(e);
        if (weightsViaDirectory)
            e->directory().setWeights(weights);
        test::FinalBlocks finals(*e);
        e->start();
        QVERIFY2(test::runUntil(*e, [&] { return membersSettled(*e, 1); }, 3 * UsPerSecond), what);
        // A little longer: the certificate is stable and nobody starts another round.
        e->runFor(UsPerSecond);

        const engine::ChainStatus s = test::chainStatus(*e, 1);
        QVERIFY2(s.biller == expected, qPrintable(QStringLiteral("%1: elected %2, expected %3").arg(QString::fromUtf8(what), s.biller, expected)));
        QCOMPARE(s.billerScoreMicro, e->directory().scoreMicro(expected));
        QCOMPARE(s.billerChanges, quint64(1));
        // Every member (not just the winner) accepted the certificate for the same round.
        QVERIFY(membersSettled(*e, 1));
        // The winner's score is the highest of all eligible nodes.
        for (const NodeInfo &n : nodes)
            if (n.isGenerator())
                QVERIFY(e->directory().scoreMicro(n.id) <= s.billerScoreMicro);

        if (topology == Topology::Double) {
            // The change is recorded on the parent chain, signed by the new biller.
            bool recorded = false;
            test::runUntil(*e, [&] {
                for (const auto &f : finals.entries) {
                    if (f.chainId != ledger::ParentChainId)
                        continue;
                    for (const ledger::Transaction &tx : f.block.txs) {
                        if (tx.kind != ledger::TxKind::BillerChange)
                            continue;
                        auto p = ledger::BillerChangePayload::decode(tx.payload);
                        if (p.ok() && p->chainId == 1 && p->newBiller == expected && tx.sender == expected
                            && int(p->confirmations.size()) >= e->chain(1)->quorum())
                            recorded = true;
                    }
                }
                return recorded;
            }, 5 * UsPerSecond);
            QVERIFY2(recorded, "no BillerChange for chain 1 became final on the parent chain");
            // The parent chain: the sub-chain's biller and the regulator node(s).
            QList<QString> parent = e->directory().regulators();
            parent.append(expected);
            std::sort(parent.begin(), parent.end());
            QCOMPARE(e->chain(ledger::ParentChainId)->members(), parent);
        }
    }
}

void TestElection::noGeneratorNoBiller()
{
    Roster r;
    for (int i = 1; i <= 6; ++i)
        r << makeNode(nodeId(i), false, true, 0.9, 0.9, 0.9, 0.9);
    Scenario sc = test::scenarioFor(r, Topology::Single);
    auto e = test::createEngine(sc);
    QVERIFY(e);
    e->start();
    e->runFor(5 * UsPerSecond);
    QVERIFY(e->chain(1)->biller().isEmpty());
    QCOMPARE(e->chain(1)->elections(), quint64(0));
    // Orders wait in the mempools; nothing becomes final without a biller.
    QVERIFY(e->submit(e->makeOrder("N01")).ok());
    e->runFor(3 * UsPerSecond);
    QVERIFY(!e->chain(1)->hasBlocks());
}

void TestElection::quorumNotReached_data()
{
    QTest::addColumn<QList<QStringList>>("parts");
    QTest::addColumn<bool>("electsDuringPartition");
    QTest::addColumn<QString>("bestDuringPartition");

    const QStringList a{"N01", "N02", "N03", "N04", "N05"};
    const QStringList b{"N06", "N07", "N08", "N09", "N10"};
    QTest::newRow("5/5") << QList<QStringList>{a, b} << false << QString();
    QTest::newRow("6/4") << QList<QStringList>{{"N01", "N02", "N03", "N07", "N08", "N09"}, {"N04", "N05", "N06", "N10"}} << false << QString();
    QTest::newRow("4/3/3") << QList<QStringList>{{"N01", "N05", "N06", "N10"}, {"N02", "N03", "N04"}} << false << QString();
    QTest::newRow("isolated top scorer, 1/9") << QList<QStringList>{{"N01"}} << true << "N02";
    QTest::newRow("top scorer in the 3 of 7/3") << QList<QStringList>{{"N01", "N02", "N04"}} << true << "N03";
}

void TestElection::quorumNotReached()
{
    QFETCH(QList<QStringList>, parts);
    QFETCH(bool, electsDuringPartition);
    QFETCH(QString, bestDuringPartition);

    // Ten generators, N01 best; quorum = 7.
    Scenario sc = test::scenarioFor(test::rankedRoster(10), Topology::Single);
    sc.consensus.rotation = consensus::RotationPolicy::OnFailure;
    auto e = test::createEngine(sc);
    QVERIFY(e);
    QCOMPARE(e->chain(1)->quorum(), 7);
    e->network().partition(parts);
    e->start();
    e->runFor(4 * UsPerSecond);
    if (electsDuringPartition) {
        QCOMPARE(e->chain(1)->biller(), bestDuringPartition);
    } else {
        QVERIFY2(e->chain(1)->biller().isEmpty(), qPrintable(e->chain(1)->biller()));
        QCOMPARE(e->chain(1)->elections(), quint64(0));
        // Members kept trying (new rounds), they did not give up.
        quint64 maxRound = 0;
        for (const QString &id : e->chain(1)->members())
            maxRound = std::max(maxRound, e->node(id)->member(1)->round());
        QVERIFY(maxRound > 1);
    }

    e->network().heal();
    const bool settled = test::runUntil(*e, [&] { return membersSettled(*e, 1); }, 10 * UsPerSecond, UsPerMs);
    QVERIFY2(settled, qPrintable(QStringLiteral("biller '%1'").arg(e->chain(1)->biller())));
    const QString biller = e->chain(1)->biller();
    QVERIFY(!biller.isEmpty());
    if (!electsDuringPartition)
        QCOMPARE(biller, QStringLiteral("N01")); // nobody was ever excluded: the best one wins

    // And the chain works: an order from every node becomes final.
    QList<crypto::Hash256> ids;
    for (const QString &id : test::traders(*e)) {
        const ledger::Transaction tx = e->makeOrder(id);
        QVERIFY(e->submit(tx).ok());
        ids.append(tx.id());
    }
    QVERIFY(test::runUntil(*e, [&] {
        return std::all_of(ids.begin(), ids.end(), [&](const crypto::Hash256 &id) { return e->chain(1)->isFinal(id); });
    }, 5 * UsPerSecond));
}

void TestElection::billerCrash_data()
{
    QTest::addColumn<bool>("proposalInFlight");
    QTest::addColumn<consensus::RotationPolicy>("rotation");
    QTest::addColumn<Topology>("topology");

    QTest::newRow("idle biller, on-failure") << false << consensus::RotationPolicy::OnFailure << Topology::Single;
    QTest::newRow("proposal in flight, on-failure") << true << consensus::RotationPolicy::OnFailure << Topology::Single;
    QTest::newRow("idle biller, every-block") << false << consensus::RotationPolicy::EveryBlock << Topology::Single;
    QTest::newRow("proposal in flight, every-block") << true << consensus::RotationPolicy::EveryBlock << Topology::Single;
    QTest::newRow("double topology, idle") << false << consensus::RotationPolicy::OnFailure << Topology::Double;
    QTest::newRow("double topology, in flight") << true << consensus::RotationPolicy::EveryBlock << Topology::Double;
}

void TestElection::billerCrash()
{
    QFETCH(bool, proposalInFlight);
    QFETCH(consensus::RotationPolicy, rotation);
    QFETCH(Topology, topology);

    Scenario sc = test::scenarioFor(test::rankedRoster(10), topology, 1);
    sc.consensus.rotation = rotation;
    sc.consensus.txThreshold = 5;
    sc.link.latencyUs = UsPerMs; // fixed 1 ms hops, so "in flight" is exact
    sc.link.jitterUs = 0;
    auto e = test::createEngine(sc);
    QVERIFY(e);
    test::FinalBlocks finals(*e);
    e->start();
    QVERIFY(test::runUntil(*e, [&] { return membersSettled(*e, 1); }, 3 * UsPerSecond));
    const QString crashed = e->chain(1)->biller();
    QCOMPARE(crashed, QStringLiteral("N01"));

    // A block first, so the crash happens mid-chain rather than at genesis.
    const ledger::Transaction first = e->makeOrder("N05");
    QVERIFY(e->submit(first).ok());
    QVERIFY(test::runUntil(*e, [&] { return e->chain(1)->isFinal(first.id()); }, 3 * UsPerSecond));
    QVERIFY(test::runUntil(*e, [&] { return membersSettled(*e, 1); }, 3 * UsPerSecond, UsPerMs));
    const quint64 heightBefore = e->chain(1)->tip().height;

    QList<ledger::Transaction> orders;
    auto submitFromOthers = [&](int count) {
        for (int i = 0; i < count; ++i) {
            const QString from = nodeId(2 + i % 9); // N02..N10, never the crashed biller
            orders.append(e->makeOrder(from));
            QVERIFY(e->submit(orders.last()).ok());
        }
    };

    const net::TimeUs crashAt = e->loop().now();
    if (proposalInFlight) {
        // Orders reach the biller at +1 ms (threshold reached: it proposes at once), the proposal
        // reaches members at +2 ms, their acks would reach the biller at +3 ms.
        submitFromOthers(sc.consensus.txThreshold);
        e->runFor(2500);
        QCOMPARE(e->chain(1)->tip().height, heightBefore); // not final yet
        e->crash(crashed, true);
        submitFromOthers(7);
    } else {
        e->crash(crashed, true);
        submitFromOthers(12);
    }
    QVERIFY(e->node(crashed)->isDown());
    QVERIFY(e->network().isDown(crashed));

    auto allFinal = [&] {
        return std::all_of(orders.begin(), orders.end(), [&](const ledger::Transaction &tx) { return e->chain(1)->isFinal(tx.id()); });
    };
    QVERIFY2(test::runUntil(*e, allFinal, 15 * UsPerSecond),
             qPrintable(QStringLiteral("biller now '%1', height %2").arg(e->chain(1)->biller()).arg(e->chain(1)->tip().height)));

    const QString successor = e->chain(1)->biller();
    QVERIFY(!successor.isEmpty());
    QVERIFY(successor != crashed);
    QCOMPARE(successor, QStringLiteral("N02")); // the best of the remaining generators
    QVERIFY(e->metrics().billerTimeouts > 0);
    // Every block after the crash was made by someone else, and each order is in exactly one.
    QSet<crypto::Hash256> seen;
    for (const auto &f : finals.since(crashAt, ledger::ChainId(1))) {
        QVERIFY(f.biller != crashed);
        for (const crypto::Hash256 &id : f.block.txIds()) {
            QVERIFY(!seen.contains(id));
            seen.insert(id);
        }
    }
    for (const ledger::Transaction &tx : orders)
        QVERIFY(seen.contains(tx.id()));

    // The crashed node comes back: the chain goes on under the new biller. A biller that went
    // silent is proposed for suspension; if the vote has passed, its orders are refused,
    // otherwise they become final too.
    e->crash(crashed, false);
    const ledger::Transaction late = e->makeOrder(crashed);
    const Status lateSubmitted = e->submit(late);
    if (e->directory().isActive(crashed))
        QVERIFY2(lateSubmitted.ok(), qPrintable(lateSubmitted.errorString()));
    else
        QVERIFY(!lateSubmitted.ok());
    const ledger::Transaction other = e->makeOrder("N03");
    QVERIFY(e->submit(other).ok());
    QVERIFY(test::runUntil(*e, [&] {
        return (!lateSubmitted.ok() || e->chain(1)->isFinal(late.id())) && e->chain(1)->isFinal(other.id());
    }, 10 * UsPerSecond));
    QVERIFY(!e->chain(1)->biller().isEmpty());
}

void TestElection::partitionMinorityMajority_data()
{
    QTest::addColumn<QStringList>("minority");
    QTest::addColumn<consensus::RotationPolicy>("rotation");

    QTest::newRow("biller in the majority, on-failure") << QStringList{"N08", "N09", "N10"} << consensus::RotationPolicy::OnFailure;
    QTest::newRow("biller in the majority, every-block") << QStringList{"N08", "N09", "N10"} << consensus::RotationPolicy::EveryBlock;
    QTest::newRow("biller in the minority, on-failure") << QStringList{"N01", "N05", "N10"} << consensus::RotationPolicy::OnFailure;
    QTest::newRow("biller in the minority, every-block") << QStringList{"N01", "N02", "N03"} << consensus::RotationPolicy::EveryBlock;
}

void TestElection::partitionMinorityMajority()
{
    QFETCH(QStringList, minority);
    QFETCH(consensus::RotationPolicy, rotation);

    Scenario sc = test::scenarioFor(test::rankedRoster(10), Topology::Single);
    sc.consensus.rotation = rotation;
    sc.ordersPerNodePerSecond = 2;
    auto e = test::createEngine(sc);
    QVERIFY(e);
    test::FinalBlocks finals(*e);
    e->start();
    QVERIFY(test::runUntil(*e, [&] { return e->chain(1)->hasBlocks(); }, 5 * UsPerSecond));
    QCOMPARE(e->chain(1)->biller(), QStringLiteral("N01"));

    QStringList majority;
    for (const QString &id : test::traders(*e))
        if (!minority.contains(id))
            majority.append(id);
    QCOMPARE(majority.size(), 7);

    const net::TimeUs split = e->loop().now();
    e->network().partition({majority, minority});
    e->runFor(10 * UsPerSecond);
    const net::TimeUs healed = e->loop().now();

    const auto during = finals.since(split, ledger::ChainId(1));
    QVERIFY2(during.size() >= 5, qPrintable(QString::number(during.size())));
    for (const auto &f : during)
        QVERIFY2(majority.contains(f.biller), qPrintable(QStringLiteral("block %1 by %2 during the partition").arg(f.height).arg(f.biller)));
    // The majority was still producing at the end of the partition.
    QVERIFY(!finals.since(healed - 3 * UsPerSecond, ledger::ChainId(1)).isEmpty());
    // Orders the majority made during the partition became final; none the minority made did
    // (they cannot reach the majority's biller).
    QSet<QString> senders;
    for (const auto &f : during)
        for (const ledger::Transaction &tx : f.block.txs)
            if (tx.timestampMs * UsPerMs >= split)
                senders.insert(tx.sender);
    for (const QString &m : minority)
        QVERIFY2(!senders.contains(m), qPrintable(m));
    QVERIFY(senders.size() >= 5);
    if (minority.contains(QStringLiteral("N01")) && rotation == consensus::RotationPolicy::OnFailure)
        QVERIFY(e->metrics().billerTimeouts > 0); // only the watchdog can notice

    QList<ledger::Transaction> strandedBeforeHeal;
    for (const QString &m : minority)
        for (const ledger::Transaction &tx : e->node(m)->member(1)->pendingTransactions())
            if (tx.sender == m && tx.timestampMs * UsPerMs >= split)
                strandedBeforeHeal.append(tx);

    e->network().heal();
    // All converge on one biller and blocks continue.
    // All converge on one biller: nobody is left in an election of its own, nobody is in a
    // round newer than the elected biller's.
    const bool agreed = test::runUntil(*e, [&] { return membersAgree(*e, 1); }, 10 * UsPerSecond, UsPerMs);
    QVERIFY(agreed);
    const QString biller = e->chain(1)->biller();
    QVERIFY(!biller.isEmpty());
    const quint64 heightAtHeal = e->chain(1)->tip().height;
    QList<crypto::Hash256> afterHeal;
    for (const QString &id : test::traders(*e)) {
        const ledger::Transaction tx = e->makeOrder(id);
        const Status st = e->submit(tx);
        if (!e->directory().isActive(id)) {
            // A biller that went silent is proposed for suspension; once suspended it is refused.
            QVERIFY(!st.ok());
            QCOMPARE(st.error().code, QStringLiteral("engine.refused"));
            continue;
        }
        QVERIFY2(st.ok(), qPrintable(st.errorString()));
        afterHeal.append(tx.id());
    }
    QVERIFY(test::runUntil(*e, [&] {
        return std::all_of(afterHeal.begin(), afterHeal.end(), [&](const crypto::Hash256 &id) { return e->chain(1)->isFinal(id); });
    }, 10 * UsPerSecond));
    QVERIFY(e->chain(1)->tip().height > heightAtHeal);
    // Orders the minority made during the partition were pending in its mempools, not lost:
    // they become final after the heal (those of a node suspended meanwhile are refused).
    QList<crypto::Hash256> stranded;
    for (const ledger::Transaction &tx : strandedBeforeHeal)
        if (e->directory().isActive(tx.sender))
            stranded.append(tx.id());
    QVERIFY(stranded.size() >= 5);
    QVERIFY(test::runUntil(*e, [&] {
        return std::all_of(stranded.begin(), stranded.end(), [&](const crypto::Hash256 &id) { return e->chain(1)->isFinal(id); });
    }, 15 * UsPerSecond));
    e->runFor(5 * UsPerSecond);
    // The minority follows the same biller again: each of its members acks blocks after the heal.
    QSet<QString> ackers;
    for (const auto &f : finals.since(healed, ledger::ChainId(1)))
        for (const ledger::BlockAck &a : f.block.header.acks)
            ackers.insert(a.nodeId);
    for (const QString &m : minority)
        QVERIFY2(ackers.contains(m) || e->chain(1)->biller() == m || !e->directory().isActive(m), qPrintable(QStringLiteral("%1 never acked; ackers %2, %3 blocks").arg(m, QStringList(ackers.values()).join(',')).arg(finals.since(healed, ledger::ChainId(1)).size())));
}

QTEST_GUILESS_MAIN(TestElection)
#include "tst_election.moc"
