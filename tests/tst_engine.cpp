// The chain engine end to end on the virtual clock: determinism, malicious billers, refused
// nodes, restart from the store, anchoring on the parent chain, and the single-chain baseline.

#include "engine_fixture.h"

#include "core/ledger/payloads.h"
#include "core/store/store.h"

#include <QTemporaryDir>
#include <QtTest>

#include <map>

using namespace mg;
using engine::Engine;
using engine::Scenario;
using engine::Topology;
using net::UsPerMs;
using net::UsPerSecond;

Q_DECLARE_METATYPE(consensus::Fault)
Q_DECLARE_METATYPE(roster::MembershipState)
Q_DECLARE_METATYPE(engine::Topology)

namespace {

using ChainBlocks = std::map<std::pair<ledger::ChainId, quint64>, QByteArray>; // (chain, height) -> block bytes

// Every block of every chain, read back from the store.
ChainBlocks storedBlocks(const QString &dir)
{
    ChainBlocks blocks;
    auto store = store::Store::open(dir);
    if (!store.ok()) {
        qWarning("%s", qPrintable(store.errorString()));
        return blocks;
    }
    for (ledger::ChainId chain : store.value()->chains()) {
        const std::optional<quint64> tip = store.value()->tipHeight(chain);
        for (quint64 h = 0; tip && h <= *tip; ++h) {
            auto b = store.value()->block(chain, h);
            if (!b.ok()) {
                qWarning("%s", qPrintable(b.errorString()));
                return {};
            }
            blocks[{chain, h}] = b->encode();
        }
    }
    return blocks;
}

QList<store::TxRef> findTx(const store::Store &s, const store::TxQuery &q)
{
    auto r = s.findTransactions(q);
    if (!r.ok())
        qWarning("%s", qPrintable(r.errorString()));
    return r.ok() ? r.value() : QList<store::TxRef>{};
}

store::TxQuery kindQuery(ledger::TxKind kind)
{
    store::TxQuery q;
    q.kind = kind;
    q.limit = 100000;
    return q;
}

QString validationProblems(const QString &dir)
{
    auto store = store::Store::open(dir);
    if (!store.ok())
        return store.errorString();
    const auto report = store.value()->validate();
    QStringList problems;
    for (const auto &f : report.findings)
        problems << f.toString();
    if (report.blocksChecked == 0)
        problems << QStringLiteral("no blocks checked");
    return problems.join(QLatin1Char('\n'));
}

// A node of `chain` that is neither its biller nor on the parent chain.
QString plainMember(Engine &e, ledger::ChainId chain)
{
    consensus::ChainContext *parent = e.chain(ledger::ParentChainId);
    for (const QString &id : e.chain(chain)->members())
        if (id != e.chain(chain)->biller() && (!parent || !parent->isMember(id)))
            return id;
    return {};
}

} // namespace

class TestEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void determinism_data();
    void determinism();
    void maliciousBiller_data();
    void maliciousBiller();
    void refusedNode_data();
    void refusedNode();
    void restart();
    void anchoring();
    void singleTopology();
    void createErrors();
    void syntheticOrdersAreAdmissible();
    void latencySamples();
};

void TestEngine::determinism_data()
{
    QTest::addColumn<Topology>("topology");
    QTest::addColumn<double>("lossRate");

    QTest::newRow("double") << Topology::Double << 0.0;
    QTest::newRow("double, lossy network") << Topology::Double << 0.05;
    QTest::newRow("single") << Topology::Single << 0.0;
}

void TestEngine::determinism()
{
    QFETCH(Topology, topology);
    QFETCH(double, lossRate);

    QStringList tipMismatches;
    auto run = [&](quint64 seed, const QString &dir, QList<engine::ChainStatus> *status) {
        Scenario sc = test::demoScenario(30, 3, 1.0, seed);
        sc.topology = topology;
        sc.link.lossRate = lossRate;
        sc.dataDir = dir;
        auto e = test::createEngine(sc);
        if (!e)
            return;
        e->start();
        e->runFor(20 * UsPerSecond);
        *status = e->status();
        // The in-memory tips agree with the store.
        for (const engine::ChainStatus &s : *status) {
            if (s.blocks == 0)
                continue;
            auto tip = e->store()->block(s.id, s.blocks - 1);
            if (!tip.ok() || tip->header.hash() != e->chain(s.id)->tip().hash())
                tipMismatches << QStringLiteral("seed %1 chain %2").arg(seed).arg(s.id);
        }
    };

    QTemporaryDir dirA, dirB, dirC;
    QVERIFY(dirA.isValid() && dirB.isValid() && dirC.isValid());
    QList<engine::ChainStatus> statusA, statusB, statusC;
    run(7, dirA.path(), &statusA);
    run(7, dirB.path(), &statusB);
    run(8, dirC.path(), &statusC);
    QVERIFY2(tipMismatches.isEmpty(), qPrintable(tipMismatches.join(", ")));

    const ChainBlocks a = storedBlocks(dirA.path());
    const ChainBlocks b = storedBlocks(dirB.path());
    const ChainBlocks c = storedBlocks(dirC.path());
    QCOMPARE(int(statusA.size()), topology == Topology::Double ? 4 : 1);
    quint64 total = 0;
    for (const engine::ChainStatus &s : statusA) {
        QVERIFY2(s.blocks >= 5, qPrintable(QStringLiteral("chain %1 has %2 blocks").arg(s.id).arg(s.blocks)));
        total += s.blocks;
    }
    QCOMPARE(quint64(a.size()), total);

    // Same seed: byte-identical blocks on every chain at every height, and identical status.
    QCOMPARE(a.size(), b.size());
    for (const auto &[key, bytes] : a) {
        auto it = b.find(key);
        QVERIFY2(it != b.end(), qPrintable(QStringLiteral("chain %1 height %2 missing").arg(key.first).arg(key.second)));
        QVERIFY2(it->second == bytes, qPrintable(QStringLiteral("chain %1 height %2 differs").arg(key.first).arg(key.second)));
    }
    QCOMPARE(statusA.size(), statusB.size());
    for (qsizetype i = 0; i < statusA.size(); ++i) {
        QCOMPARE(statusA[i].blocks, statusB[i].blocks);
        QCOMPARE(statusA[i].transactions, statusB[i].transactions);
        QCOMPARE(statusA[i].biller, statusB[i].biller);
        QCOMPARE(statusA[i].elections, statusB[i].elections);
    }

    // Another seed: different keys, load and delays, so different blocks.
    int same = 0;
    for (const auto &[key, bytes] : c) {
        auto it = a.find(key);
        if (it != a.end() && it->second == bytes)
            ++same;
    }
    QCOMPARE(same, 0);
    QVERIFY(!c.empty());

    QCOMPARE(validationProblems(dirA.path()), QString());
}

void TestEngine::maliciousBiller_data()
{
    QTest::addColumn<consensus::Fault>("fault");
    QTest::addColumn<QString>("reasonContains");
    QTest::addColumn<Topology>("topology");

    QTest::newRow("wrong Merkle root") << consensus::Fault::WrongMerkleRoot << "Merkle" << Topology::Double;
    QTest::newRow("bad signature") << consensus::Fault::BadSignature << "signature" << Topology::Double;
    QTest::newRow("forged transaction") << consensus::Fault::ForgedTransaction << "derive" << Topology::Double;
    QTest::newRow("wrong Merkle root, single chain") << consensus::Fault::WrongMerkleRoot << "Merkle" << Topology::Single;
    QTest::newRow("bad signature, single chain") << consensus::Fault::BadSignature << "signature" << Topology::Single;
    QTest::newRow("forged transaction, single chain") << consensus::Fault::ForgedTransaction << "derive" << Topology::Single;
}

void TestEngine::maliciousBiller()
{
    QFETCH(consensus::Fault, fault);
    QFETCH(QString, reasonContains);
    QFETCH(Topology, topology);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Scenario sc = test::demoScenario(30, 3, 1.0, 3);
    sc.topology = topology;
    sc.dataDir = dir.path();
    auto e = test::createEngine(sc);
    QVERIFY(e);
    test::FinalBlocks finals(*e);
    e->start();
    const ledger::ChainId chain = 1;
    QVERIFY(test::runUntil(*e, [&] { return e->chain(chain)->hasBlocks() && !e->chain(chain)->biller().isEmpty(); }, 5 * UsPerSecond));
    const QString bad = e->chain(chain)->biller();
    const quint64 heightBefore = e->chain(chain)->tip().height;
    QCOMPARE(e->metrics().rejectedBlocks, quint64(0));
    QVERIFY(e->metrics().evidence.isEmpty());

    e->setFault(bad, fault);
    QCOMPARE(e->node(bad)->member(chain)->fault(), fault);
    const net::TimeUs faultAt = e->loop().now();
    e->runFor(15 * UsPerSecond);

    // Members rejected its blocks, with evidence naming it.
    QVERIFY(e->metrics().rejectedBlocks > 0);
    QVERIFY(!e->metrics().evidence.isEmpty());
    QVERIFY(std::any_of(e->metrics().evidence.begin(), e->metrics().evidence.end(),
                        [&](const QString &s) { return s.contains(bad) && s.contains(reasonContains, Qt::CaseInsensitive); }));

    // A signed reject became final on the governance chain (the parent chain; the only chain
    // in the baseline), naming the biller and the reason.
    const ledger::ChainId evidenceChain = topology == Topology::Double ? ledger::ParentChainId : chain;
    store::Store *s = e->store();
    QVERIFY(s);
    int rejects = 0;
    for (const store::TxRef &ref : findTx(*s, kindQuery(ledger::TxKind::Ack))) {
        QCOMPARE(ref.chainId, evidenceChain);
        auto tx = s->transaction(ref.id);
        QVERIFY(tx.ok());
        auto ack = ledger::AckPayload::decode(tx->payload);
        QVERIFY(ack.ok());
        QVERIFY(tx->verify(e->directory().publicKey(tx->sender)));
        if (!ack->accept && ack->biller == bad && ack->chainId == chain) {
            QVERIFY(ack->reason.contains(reasonContains, Qt::CaseInsensitive));
            QVERIFY(e->chain(chain)->isMember(tx->sender));
            QVERIFY(tx->sender != bad);
            ++rejects;
        }
    }
    QVERIFY2(rejects > 0, "no reject of the malicious biller is final");

    // Another biller took over and blocks continue; none of the faulty biller's blocks made it.
    const QString successor = e->chain(chain)->biller();
    QVERIFY(!successor.isEmpty());
    QVERIFY(successor != bad);
    QVERIFY(e->chain(chain)->tip().height >= heightBefore + 5);
    const auto after = finals.since(faultAt + 100 * UsPerMs, chain);
    QVERIFY(!after.isEmpty());
    for (const auto &f : after)
        QVERIFY2(f.biller != bad, qPrintable(QStringLiteral("height %1").arg(f.height)));
    QVERIFY(!finals.since(e->loop().now() - 3 * UsPerSecond, chain).isEmpty()); // still producing
    // The other sub-chains were not disturbed.
    for (const engine::ChainStatus &st : e->status())
        QVERIFY2(st.blocks > 5, qPrintable(QStringLiteral("chain %1").arg(st.id)));

    // Everything persisted is valid.
    QCOMPARE(validationProblems(dir.path()), QString());
}

void TestEngine::refusedNode_data()
{
    QTest::addColumn<roster::MembershipState>("state");
    QTest::addColumn<bool>("orderPending"); // an order of the node is pending when it is refused

    QTest::newRow("suspended") << roster::MembershipState::Suspended << false;
    QTest::newRow("evicted") << roster::MembershipState::Evicted << false;
    QTest::newRow("suspended with an order pending") << roster::MembershipState::Suspended << true;
    QTest::newRow("evicted with an order pending") << roster::MembershipState::Evicted << true;
}

void TestEngine::refusedNode()
{
    QFETCH(roster::MembershipState, state);
    QFETCH(bool, orderPending);

    Scenario sc = test::demoScenario(30, 3, 1.0, 5);
    sc.consensus.rotation = consensus::RotationPolicy::OnFailure;
    auto e = test::createEngine(sc);
    QVERIFY(e);
    test::FinalBlocks finals(*e);
    e->start();
    QVERIFY(test::runUntil(*e, [&] { return test::allSubChainsHaveBiller(*e) && e->chain(2)->hasBlocks(); }, 5 * UsPerSecond));
    const QString node = plainMember(*e, 2);
    QVERIFY(!node.isEmpty());
    const QString biller = e->chain(2)->biller();
    const ledger::Transaction good = e->makeOrder(node);
    QVERIFY(e->submit(good).ok());
    QVERIFY(test::runUntil(*e, [&] { return e->chain(2)->isFinal(good.id()); }, 3 * UsPerSecond));

    ledger::Transaction pending;
    if (orderPending) {
        pending = e->makeOrder(node);
        QVERIFY(e->submit(pending).ok());
        e->runFor(5 * UsPerMs); // in every mempool, not yet in a block
        QVERIFY(!e->chain(2)->isFinal(pending.id()));
    }
    e->directory().setState(node, state);
    const net::TimeUs refusedAt = e->loop().now();

    const ledger::Transaction refused = e->makeOrder(node);
    const Status st = e->submit(refused);
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, QStringLiteral("engine.refused"));
    QVERIFY(st.error().message.contains(node));

    // Even sent straight to the members, it is not accepted.
    e->network().multicast(e->chain(2)->members(), net::Message::make(net::MessageType::Transaction, 2, node, refused));
    e->runFor(8 * UsPerSecond);

    QVERIFY(!e->chain(2)->isFinal(refused.id()));
    if (orderPending)
        QVERIFY(!e->chain(2)->isFinal(pending.id())); // refused at the time it would be final
    for (const auto &f : finals.since(refusedAt + UsPerMs))
        for (const ledger::Transaction &tx : f.block.txs)
            QVERIFY2(tx.sender != node || f.chainId == ledger::ParentChainId,
                     qPrintable(QStringLiteral("chain %1 height %2 has a tx from %3").arg(f.chainId).arg(f.height).arg(node)));
    // The chain went on, under the same (honest) biller: refusing the node is not the biller's
    // fault, even if the node's order was already in its mempool.
    QVERIFY2(!finals.since(refusedAt + UsPerSecond, 2).isEmpty(),
             qPrintable(QStringLiteral("biller %1 (was %2), height %3, rejected blocks %4, timeouts %5, evidence: %6")
                            .arg(e->chain(2)->biller(), biller).arg(e->chain(2)->tip().height).arg(e->metrics().rejectedBlocks)
                            .arg(e->metrics().billerTimeouts).arg(e->metrics().evidence.join(QStringLiteral("; ")))));
    QCOMPARE(e->chain(2)->biller(), biller);
    QCOMPARE(e->metrics().rejectedBlocks, quint64(0));
    // One member less counts towards the quorum.
    QCOMPARE(test::chainStatus(*e, 2).activeMembers, test::chainStatus(*e, 2).members - 1);
}

void TestEngine::restart()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Scenario sc = test::demoScenario(30, 3, 1.0, 9);
    sc.dataDir = dir.path();

    std::map<ledger::ChainId, quint64> heights;
    std::map<ledger::ChainId, crypto::Hash256> tips;
    {
        auto e = test::createEngine(sc);
        QVERIFY(e);
        e->start();
        e->runFor(10 * UsPerSecond);
        // Stop the moment sub-chain 1 makes a block final: its anchor is not on the parent yet.
        const quint64 before = e->chain(1)->tip().height;
        for (const QString &id : e->chain(1)->members())
            QVERIFY(e->submit(e->makeOrder(id)).ok());
        for (int i = 0; i < 100000 && e->chain(1)->tip().height == before; ++i)
            e->runFor(100);
        QVERIFY(e->chain(1)->tip().height > before);
        for (const engine::ChainStatus &s : e->status()) {
            QVERIFY2(s.blocks > 3, qPrintable(QStringLiteral("chain %1").arg(s.id)));
            heights[s.id] = s.blocks;
            tips[s.id] = e->chain(s.id)->tip().hash();
        }
    }
    QCOMPARE(validationProblems(dir.path()), QString());

    auto e = test::createEngine(sc);
    QVERIFY(e);
    // Before start: the chains resume at the heights they had.
    for (const engine::ChainStatus &s : e->status()) {
        QCOMPARE(s.blocks, heights[s.id]);
        QCOMPARE(e->chain(s.id)->tip().hash(), tips[s.id]);
        // The virtual clock resumes after the stored blocks, not at the scenario's start again.
        QVERIFY(e->loop().nowMs() > e->chain(s.id)->tip().timestampMs);
    }
    test::FinalBlocks finals(*e);
    e->start();
    e->runFor(10 * UsPerSecond);
    for (const engine::ChainStatus &s : e->status()) {
        QVERIFY2(s.blocks > heights[s.id] + 3, qPrintable(QStringLiteral("chain %1: %2 -> %3").arg(s.id).arg(heights[s.id]).arg(s.blocks)));
        auto stored = e->store()->tipHeight(s.id);
        QVERIFY(stored);
        QCOMPARE(*stored + 1, s.blocks); // every final block was persisted
    }
    // Every block final before the restart is anchored on the parent chain by now, including
    // those that were final but not yet anchored when the first engine stopped.
    QSet<QPair<ledger::ChainId, quint64>> anchored;
    for (const auto &[key, bytes] : storedBlocks(dir.path())) {
        if (key.first != ledger::ParentChainId)
            continue;
        auto b = ledger::Block::decode(bytes);
        QVERIFY(b.ok());
        for (const ledger::Transaction &tx : b->txs)
            if (tx.kind == ledger::TxKind::Anchor)
                if (auto a = ledger::AnchorPayload::decode(tx.payload))
                    if (auto h = ledger::BlockHeader::decode(a->header))
                        anchored.insert({h->chainId, h->height});
    }
    for (const auto &[chainId, count] : heights)
        for (quint64 h = 0; chainId != ledger::ParentChainId && h < count; ++h)
            QVERIFY2(anchored.contains({chainId, h}), qPrintable(QStringLiteral("chain %1 height %2 never anchored").arg(chainId).arg(h)));

    // The new blocks extend the old tips, and no transaction is final twice.
    QSet<crypto::Hash256> txIds;
    for (const auto &[key, bytes] : storedBlocks(dir.path())) {
        auto b = ledger::Block::decode(bytes);
        QVERIFY(b.ok());
        for (const crypto::Hash256 &id : b->txIds()) {
            QVERIFY2(!txIds.contains(id), qPrintable(QStringLiteral("chain %1 height %2: %3 is final twice").arg(key.first).arg(key.second).arg(id.shortHex())));
            txIds.insert(id);
        }
    }
    QCOMPARE(validationProblems(dir.path()), QString());
}

void TestEngine::anchoring()
{
    Scenario sc = test::demoScenario(30, 3, 0.0, 4);
    auto e = test::createEngine(sc);
    QVERIFY(e);
    test::FinalBlocks finals(*e);
    e->start();
    QVERIFY(test::runUntil(*e, [&] { return test::allSubChainsHaveBiller(*e); }, 5 * UsPerSecond));

    // Three waves of orders from every node.
    QList<ledger::Transaction> orders;
    for (int wave = 0; wave < 3; ++wave) {
        for (const QString &id : test::traders(*e)) {
            orders.append(e->makeOrder(id));
            QVERIFY(e->submit(orders.last()).ok());
        }
        e->runFor(1500 * UsPerMs);
    }
    e->runFor(10 * UsPerSecond); // let everything settle

    for (const ledger::Transaction &tx : orders)
        QVERIFY(e->chain(e->chainOf(tx.sender))->isFinal(tx.id()));

    // Sub-chain blocks, and the anchors found on the parent chain.
    std::map<std::pair<ledger::ChainId, quint64>, ledger::Block> subBlocks;
    std::map<std::pair<ledger::ChainId, quint64>, int> anchors;
    int parentBlocks = 0;
    for (const auto &f : finals.entries) {
        if (f.chainId != ledger::ParentChainId) {
            subBlocks[{f.chainId, f.height}] = f.block;
            continue;
        }
        ++parentBlocks;
        for (const ledger::Transaction &tx : f.block.txs) {
            if (tx.kind != ledger::TxKind::Anchor)
                continue;
            auto p = ledger::AnchorPayload::decode(tx.payload);
            QVERIFY(p.ok());
            auto header = ledger::BlockHeader::decode(p->header);
            QVERIFY(header.ok());
            auto body = ledger::Block::decodeBody(p->body);
            QVERIFY(body.ok());
            const auto key = std::make_pair(header->chainId, header->height);
            ++anchors[key];
            auto it = subBlocks.find(key);
            QVERIFY2(it != subBlocks.end(), "an anchor for a block that is not final (or anchored before it was)");
            QCOMPARE(header->hash(), it->second.header.hash());
            QCOMPARE(header.value(), it->second.header);
            QCOMPARE(body.value(), it->second.txs);
            QCOMPARE(tx.sender, it->second.header.billerId);
        }
    }
    QVERIFY(parentBlocks > 0);
    QVERIFY(!subBlocks.empty());
    for (const auto &[key, block] : subBlocks)
        QVERIFY2(anchors[key] == 1, qPrintable(QStringLiteral("chain %1 height %2 anchored %3 times").arg(key.first).arg(key.second).arg(anchors[key])));
    QCOMPARE(anchors.size(), subBlocks.size());
    QVERIFY(e->metrics().anchoring.count() > 0);
    QVERIFY(e->metrics().anchoring.count() >= size_t(orders.size()));
    // Anchoring takes at least as long as finality.
    QVERIFY(e->metrics().anchoring.percentileMs(50) >= e->metrics().finality.percentileMs(50));
    // The parent chain's members are exactly the sub-chains' billers and the regulator node(s).
    QStringList billers = e->directory().regulators();
    for (const engine::ChainStatus &s : e->status())
        if (!s.isParent)
            billers << s.biller;
    billers.sort();
    QCOMPARE(e->chain(ledger::ParentChainId)->members(), billers);
}

void TestEngine::singleTopology()
{
    Scenario sc = test::demoScenario(30, 3, 1.0, 2);
    sc.topology = Topology::Single;
    auto e = test::createEngine(sc);
    QVERIFY(e);
    QCOMPARE(e->chainIds(), QList<ledger::ChainId>{1});
    QVERIFY(!e->chain(ledger::ParentChainId));
    QCOMPARE(e->chain(1)->members().size(), 30);
    for (const QString &id : test::traders(*e))
        QCOMPARE(e->chainOf(id), ledger::ChainId(1));
    test::FinalBlocks finals(*e);
    e->start();
    e->runFor(10 * UsPerSecond);

    const QList<engine::ChainStatus> status = e->status();
    QCOMPARE(status.size(), 1);
    QVERIFY(!status[0].isParent);
    QVERIFY(status[0].blocks > 5);
    QCOMPARE(status[0].members, 30);
    // The best generator of the whole roster is the one biller.
    QString best;
    qint64 bestScore = -1;
    for (const roster::NodeInfo &n : sc.roster)
        if (n.isGenerator() && (e->directory().scoreMicro(n.id) > bestScore || (e->directory().scoreMicro(n.id) == bestScore && n.id < best))) {
            best = n.id;
            bestScore = e->directory().scoreMicro(n.id);
        }
    QCOMPARE(status[0].biller, best);
    // No parent chain: no anchors.
    QCOMPARE(e->metrics().anchoring.count(), size_t(0));
    for (const auto &f : finals.entries) {
        QCOMPARE(f.chainId, ledger::ChainId(1));
        for (const ledger::Transaction &tx : f.block.txs)
            QVERIFY(tx.kind != ledger::TxKind::Anchor);
    }
    QVERIFY(e->metrics().finality.count() > 0);
}

void TestEngine::createErrors()
{
    Scenario empty;
    QVERIFY(!Engine::create(empty).ok());
    Scenario tooManyGroups = test::demoScenario(5, 6, 0);
    QVERIFY(!Engine::create(tooManyGroups).ok());
}

void TestEngine::syntheticOrdersAreAdmissible()
{
    // The load generator's orders must pass the chain's own rules (price band, what a node can
    // deliver in a slot...), or the synthetic load silently shrinks to the nodes that happen to
    // be big enough.
    Scenario sc = test::demoScenario(100, 10, 0.0);
    auto e = test::createEngine(sc);
    QVERIFY(e);
    e->start();
    for (int round = 0; round < 5; ++round) {
        for (const QString &id : test::traders(*e)) {
            const Status s = e->submit(e->makeOrder(id));
            QVERIFY2(s.ok(), qPrintable(s.errorString()));
        }
    }
}

void TestEngine::latencySamples()
{
    engine::LatencySamples s;
    QCOMPARE(s.percentileMs(50), 0.0);
    QCOMPARE(s.meanMs(), 0.0);
    for (int i = 100; i >= 1; --i)
        s.add(i * 1000);
    QCOMPARE(s.count(), size_t(100));
    QCOMPARE(s.percentileMs(50), 50.0);
    QCOMPARE(s.percentileMs(99), 99.0);
    QCOMPARE(s.percentileMs(100), 100.0);
    QCOMPARE(s.percentileMs(0), 1.0);
    QCOMPARE(s.meanMs(), 50.5);
    // Samples added after a percentile was read (the snapshot reads them while the engine adds).
    for (int i = 0; i < 100; ++i)
        s.add(i % 2 ? 1000 : 500000);
    QCOMPARE(s.count(), size_t(200));
    QVERIFY(s.percentileMs(99) >= s.percentileMs(50));
    QCOMPARE(s.percentileMs(100), 500.0);
    QCOMPARE(s.percentileMs(0), 1.0);
    QCOMPARE(s.percentileMs(75), 100.0); // 51 x 1 ms, then 2..100 ms, then 50 x 500 ms
    QCOMPARE(s.percentileMs(80), 500.0);
}

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
