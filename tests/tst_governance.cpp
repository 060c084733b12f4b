#include "core/engine/engine.h"
#include "core/roster/demo_roster.h"
#include "core/store/store.h"

#include <QTemporaryDir>
#include <QTest>

using namespace mg;
using Action = ledger::GovernancePayload::Action;
using Stage = consensus::Governance::Stage;

namespace {

// Four tight clusters of 5 nodes far apart, so "nearest sub-chain" has one right answer.
QList<roster::NodeInfo> clusteredRoster()
{
    QList<roster::NodeInfo> nodes;
    const double centres[4][2] = {{38.80, 115.40}, {38.90, 115.40}, {38.80, 115.55}, {38.90, 115.55}};
    for (int g = 0; g < 4; ++g) {
        for (int i = 0; i < 5; ++i) {
            roster::NodeInfo n;
            n.id = QStringLiteral("G%1N%2").arg(g + 1).arg(i + 1);
            n.name = n.id;
            n.roles = roster::Role::Generator | roster::Role::Consumer;
            n.environmental = 0.1 * i;
            n.cost = 0.5;
            n.stability = 0.5;
            n.group = g + 1;
            n.lat = centres[g][0] + 0.001 * i;
            n.lon = centres[g][1];
            nodes.append(n);
        }
    }
    return nodes;
}

engine::Scenario scenario(bool autoApprove)
{
    engine::Scenario sc;
    sc.roster = clusteredRoster();
    sc.groups = 4;
    sc.seed = 11;
    sc.autoApproveGovernance = autoApprove;
    sc.consensus.blockIntervalUs = 100 * net::UsPerMs;
    return sc;
}

std::unique_ptr<engine::Engine> make(const engine::Scenario &sc)
{
    auto e = engine::Engine::create(sc);
    if (!e.ok())
        qFatal("%s", qPrintable(e.errorString()));
    std::unique_ptr<engine::Engine> engine = std::move(e).value();
    engine->start();
    engine->runFor(2 * net::UsPerSecond);
    return engine;
}

} // namespace

class TestGovernance : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void joinAssignsNearestSubChain_data()
    {
        QTest::addColumn<double>("lat");
        QTest::addColumn<double>("lon");
        QTest::addColumn<uint>("expectedChain");
        QTest::newRow("near group 1") << 38.801 << 115.401 << 1u;
        QTest::newRow("near group 2") << 38.899 << 115.401 << 2u;
        QTest::newRow("near group 3") << 38.801 << 115.549 << 3u;
        QTest::newRow("near group 4") << 38.899 << 115.549 << 4u;
    }
    void joinAssignsNearestSubChain()
    {
        QFETCH(double, lat);
        QFETCH(double, lon);
        QFETCH(uint, expectedChain);
        auto engine = make(scenario(true));
        roster::NodeInfo joiner;
        joiner.id = QStringLiteral("NEW1");
        joiner.roles = roster::Role::Consumer;
        joiner.lat = lat;
        joiner.lon = lon;
        auto request = engine->requestJoin(joiner);
        QVERIFY2(request.ok(), qPrintable(request.errorString()));
        QCOMPARE(engine->directory().find(QStringLiteral("NEW1"))->info.state, roster::MembershipState::Pending);

        // A pending node cannot trade yet.
        QVERIFY(!engine->submit(engine->makeOrder(QStringLiteral("NEW1"))).ok());

        engine->runFor(5 * net::UsPerSecond);
        const auto *p = engine->governance().proposal(request.value());
        QVERIFY(p);
        QCOMPARE(p->stage, Stage::Approved);
        QCOMPARE(p->targetChain, expectedChain);
        QCOMPARE(engine->chainOf(QStringLiteral("NEW1")), expectedChain);
        QVERIFY(engine->chain(expectedChain)->isMember(QStringLiteral("NEW1")));

        // Now it trades: its order becomes final on its sub-chain.
        const quint64 before = engine->chain(expectedChain)->finalTransactions();
        QVERIFY(engine->submit(engine->makeOrder(QStringLiteral("NEW1"))).ok());
        engine->runFor(3 * net::UsPerSecond);
        QVERIFY(engine->chain(expectedChain)->finalTransactions() > before);
    }

    void duplicateJoinIdRefused()
    {
        auto engine = make(scenario(true));
        roster::NodeInfo joiner;
        joiner.id = QStringLiteral("G1N1");
        QCOMPARE(engine->requestJoin(joiner).error().code, QStringLiteral("engine.join_id"));
    }

    void kickThreshold_data()
    {
        QTest::addColumn<int>("yesVotes"); // of the subject's 4 fellow sub-chain members
        QTest::addColumn<bool>("evicted");
        QTest::newRow("2 of 4: not more than half") << 2 << false;
        QTest::newRow("3 of 4: more than half") << 3 << true;
    }
    void kickThreshold()
    {
        QFETCH(int, yesVotes);
        QFETCH(bool, evicted);
        auto engine = make(scenario(false));
        const QString subject = QStringLiteral("G2N1");
        auto proposal = engine->propose(QStringLiteral("G2N2"), Action::Kick, subject, QStringLiteral("sends false data"));
        QVERIFY2(proposal.ok(), qPrintable(proposal.errorString()));
        engine->runFor(2 * net::UsPerSecond);
        QCOMPARE(engine->governance().proposal(proposal.value())->stage, Stage::SubChainVote);

        const QStringList voters{QStringLiteral("G2N2"), QStringLiteral("G2N3"), QStringLiteral("G2N4"), QStringLiteral("G2N5")};
        for (int i = 0; i < voters.size(); ++i)
            QVERIFY(engine->vote(voters[i], proposal.value(), i < yesVotes).ok());
        engine->runFor(2 * net::UsPerSecond);
        const auto *p = engine->governance().proposal(proposal.value());
        if (!evicted) {
            QCOMPARE(p->stage, Stage::Rejected);
            QCOMPARE(engine->directory().find(subject)->info.state, roster::MembershipState::Active);
            return;
        }
        QCOMPARE(p->stage, Stage::ParentVote);
        // The parent chain's members (the four billers) vote; all four approve.
        for (ledger::ChainId c = 1; c <= 4; ++c)
            QVERIFY(engine->vote(engine->chain(c)->biller(), proposal.value(), true).ok());
        engine->runFor(2 * net::UsPerSecond);
        QCOMPARE(engine->governance().proposal(proposal.value())->stage, Stage::Approved);
        QCOMPARE(engine->directory().find(subject)->info.state, roster::MembershipState::Evicted);
        QVERIFY(!engine->chain(2)->isMember(subject));
        // An evicted node's transactions are refused.
        const auto refused = engine->submit(engine->makeOrder(subject));
        QVERIFY(!refused.ok());
    }

    void silentBillerIsProposedForSuspensionAndReplaced()
    {
        auto engine = make(scenario(true));
        const QString biller = engine->chain(3)->biller();
        QVERIFY(!biller.isEmpty());
        engine->crash(biller, true);
        for (const QString &id : engine->chain(3)->members())
            if (id != biller)
                QVERIFY(engine->submit(engine->makeOrder(id)).ok());
        engine->runFor(10 * net::UsPerSecond);
        QVERIFY(engine->metrics().billerTimeouts >= 1);
        QVERIFY(!engine->chain(3)->biller().isEmpty());
        QVERIFY(engine->chain(3)->biller() != biller);
        // With auto-approval, the proposal passes both votes and the silent biller is suspended.
        QCOMPARE(engine->directory().find(biller)->info.state, roster::MembershipState::Suspended);
        QVERIFY(!engine->submit(engine->makeOrder(biller)).ok());
    }

    void restartReplaysGovernance()
    {
        QTemporaryDir dir;
        engine::Scenario sc = scenario(true);
        sc.dataDir = dir.path();
        quint64 parentHeight = 0;
        {
            auto engine = make(sc);
            roster::NodeInfo joiner;
            joiner.id = QStringLiteral("NEW9");
            joiner.lat = 38.899;
            joiner.lon = 115.549;
            QVERIFY(engine->requestJoin(joiner).ok());
            engine->runFor(5 * net::UsPerSecond);
            QCOMPARE(engine->chainOf(QStringLiteral("NEW9")), 4u);
            parentHeight = engine->chain(0)->tip().height;
        }
        auto reopened = engine::Engine::create(sc);
        QVERIFY2(reopened.ok(), qPrintable(reopened.errorString()));
        engine::Engine &engine = *reopened.value();
        QCOMPARE(engine.chain(0)->tip().height, parentHeight);
        QCOMPARE(engine.chainOf(QStringLiteral("NEW9")), 4u);
        QVERIFY(engine.chain(4)->isMember(QStringLiteral("NEW9")));
        QVERIFY(engine.node(QStringLiteral("NEW9")));
        engine.start();
        engine.runFor(3 * net::UsPerSecond);
        QVERIFY(engine.submit(engine.makeOrder(QStringLiteral("NEW9"))).ok());
        engine.runFor(3 * net::UsPerSecond);
        QVERIFY(engine.chain(0)->tip().height > parentHeight);
        QVERIFY(engine.store()->validate().findings.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestGovernance)
#include "tst_governance.moc"
