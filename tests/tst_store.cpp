#include "store_fixture.h"

#include "core/store/store.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSet>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <algorithm>

using namespace mg;
using mg::store::Store;
using mg::store::TxQuery;
using mg::store::TxRef;

Q_DECLARE_METATYPE(mg::store::TxQuery)

namespace {

struct IndexedTx
{
    ledger::Transaction tx;
    crypto::Hash256 id;
    ledger::ChainId chain;
    quint64 height;
    quint32 index;
    QStringList nodes;
};

// The oracle for findTransactions: the same filters applied to the blocks in memory.
QList<crypto::Hash256> expectedIds(const QList<ledger::Block> &blocks, const TxQuery &q)
{
    QList<IndexedTx> all;
    for (const ledger::Block &b : blocks) {
        for (qsizetype i = 0; i < b.txs.size(); ++i)
            all.append({b.txs[i], b.txs[i].id(), b.header.chainId, b.header.height, quint32(i), ledger::involvedNodes(b.txs[i])});
    }
    QList<IndexedTx> hits;
    for (const IndexedTx &t : all) {
        if (q.kind && t.tx.kind != *q.kind)
            continue;
        if (q.chainId && t.chain != *q.chainId)
            continue;
        if (!q.node.isEmpty() && !t.nodes.contains(q.node))
            continue;
        if (q.fromMs && t.tx.timestampMs < *q.fromMs)
            continue;
        if (q.toMs && t.tx.timestampMs > *q.toMs)
            continue;
        if (q.fromHeight && t.height < *q.fromHeight)
            continue;
        if (q.toHeight && t.height > *q.toHeight)
            continue;
        hits.append(t);
    }
    std::sort(hits.begin(), hits.end(), [](const IndexedTx &a, const IndexedTx &b) {
        return std::tie(a.tx.timestampMs, a.chain, a.height, a.index) < std::tie(b.tx.timestampMs, b.chain, b.height, b.index);
    });
    QList<crypto::Hash256> ids;
    for (qsizetype i = std::max(0, q.offset); i < hits.size() && (q.limit <= 0 || ids.size() < q.limit); ++i)
        ids.append(hits[i].id);
    return ids;
}

// TxQuery builder: designated initialisers would trip -Wmissing-field-initializers on the optionals.
struct Q
{
    TxQuery q;
    Q &kind(ledger::TxKind v) { q.kind = v; return *this; }
    Q &chain(ledger::ChainId v) { q.chainId = v; return *this; }
    Q &node(const QString &v) { q.node = v; return *this; }
    Q &fromMs(qint64 v) { q.fromMs = v; return *this; }
    Q &toMs(qint64 v) { q.toMs = v; return *this; }
    Q &fromHeight(quint64 v) { q.fromHeight = v; return *this; }
    Q &toHeight(quint64 v) { q.toHeight = v; return *this; }
    Q &limit(int v) { q.limit = v; return *this; }
    Q &offset(int v) { q.offset = v; return *this; }
    operator TxQuery() const { return q; }
};

std::unique_ptr<Store> openOrFail(const QString &dir)
{
    auto r = Store::open(dir);
    if (!r) {
        qWarning("%s", qPrintable(r.errorString()));
        return nullptr;
    }
    return std::move(r).value();
}

} // namespace

class TestStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void openCreatesDatabase();
    void openWithoutCreate();
    void appendAndReadBack();
    void nodesAndMeta();
    void findTransactions_data();
    void findTransactions();
    void transactionById();
    void notContiguousRefused_data();
    void notContiguousRefused();
    void appendBlocksAllOrNothing();
    void reopenKeepsEverything();
    void readOnly();
    void validateIntact();
    void validateCancel();
    void tamperDetected_data();
    void tamperDetected();
    void migrateFromV1();
    void migrateFromV2();
    void schemaTooNew();
    void notSqlite_data();
    void notSqlite();
    void foreignSqliteDatabase();
    void writerAndReaderThreads();

private:
    // A fresh store in m_tmp/<name> holding chains 1 (8 blocks) and 2 (4 blocks).
    std::unique_ptr<Store> makeStore(const QString &name);

    QTemporaryDir m_tmp;
    test::Roster m_roster{12};
    QList<ledger::Block> m_chain1;
    QList<ledger::Block> m_chain2;
    QList<ledger::Block> m_all;
    std::unique_ptr<Store> m_store; // the shared read-only fixture for lookups
};

void TestStore::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_chain1 = m_roster.chain(1, 8, 6, 1'700'000'000'000);
    m_chain2 = m_roster.chain(2, 4, 5, 1'700'000'000'400);
    m_all = m_chain1 + m_chain2;
    m_store = makeStore(QStringLiteral("shared"));
    QVERIFY(m_store);
}

std::unique_ptr<Store> TestStore::makeStore(const QString &name)
{
    auto store = openOrFail(m_tmp.filePath(name));
    if (!store)
        return nullptr;
    if (Status st = store->putNodes(m_roster.records()); !st) {
        qWarning("%s", qPrintable(st.errorString()));
        return nullptr;
    }
    if (Status st = store->appendBlocks(m_chain1); !st) {
        qWarning("%s", qPrintable(st.errorString()));
        return nullptr;
    }
    for (const ledger::Block &b : m_chain2) { // one SQL transaction per block as well
        if (Status st = store->appendBlock(b); !st) {
            qWarning("%s", qPrintable(st.errorString()));
            return nullptr;
        }
    }
    return store;
}

void TestStore::openCreatesDatabase()
{
    const QString dir = m_tmp.filePath(QStringLiteral("new/nested"));
    {
        auto store = openOrFail(dir);
        QVERIFY(store);
        QCOMPARE(store->schemaVersion(), Store::SchemaVersion);
        QCOMPARE(store->dataDir(), dir);
        QVERIFY(QFile::exists(Store::databasePath(dir)));
        QVERIFY(store->chains().isEmpty());
        QVERIFY(!store->tipHeight(1));
    }
    test::RawDb raw(Store::databasePath(dir));
    QCOMPARE(raw.exec(QStringLiteral("SELECT version FROM schema_version")).toInt(), Store::SchemaVersion);
    QCOMPARE(raw.exec(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
}

void TestStore::openWithoutCreate()
{
    const QString dir = m_tmp.filePath(QStringLiteral("absent"));
    auto r = Store::open(dir, Store::Options{.readOnly = false, .create = false});
    QVERIFY(!r);
    QCOMPARE(r.error().code, QStringLiteral("store.missing"));
    QVERIFY2(r.error().message.contains(dir), qPrintable(r.error().message));
    QVERIFY(!QFileInfo::exists(dir)); // nothing created
}

void TestStore::appendAndReadBack()
{
    Store &s = *m_store;
    QCOMPARE(s.chains(), (QList<ledger::ChainId>{1, 2}));
    QCOMPARE(s.tipHeight(1), std::optional<quint64>(7));
    QCOMPARE(s.tipHeight(2), std::optional<quint64>(3));
    QVERIFY(!s.tipHeight(3));

    for (const ledger::Block &b : m_all) {
        auto byHeight = s.block(b.header.chainId, b.header.height);
        QVERIFY2(byHeight.ok(), qPrintable(byHeight.errorString()));
        QCOMPARE(*byHeight, b);
        auto byHash = s.blockByHash(b.header.hash());
        QVERIFY2(byHash.ok(), qPrintable(byHash.errorString()));
        QCOMPARE(*byHash, b);
    }
    auto missing = s.block(1, 8);
    QVERIFY(!missing);
    QCOMPARE(missing.error().code, QStringLiteral("store.not_found"));
    QCOMPARE(s.blockByHash(crypto::sha256("nothing")).error().code, QStringLiteral("store.not_found"));

    auto headers = s.headers(1, 2, 5);
    QVERIFY(headers.ok());
    QCOMPARE(headers->size(), 4);
    for (int i = 0; i < 4; ++i)
        QCOMPARE(headers->at(i), m_chain1[2 + i].header);
    QCOMPARE(s.headers(1, 0, std::numeric_limits<quint64>::max())->size(), m_chain1.size());
}

void TestStore::nodesAndMeta()
{
    Store &s = *m_store;
    auto nodes = s.nodes();
    QVERIFY(nodes.ok());
    QCOMPARE(*nodes, m_roster.records());
    QCOMPARE(s.node(m_roster.id(3)), std::optional(m_roster.records()[3]));
    QVERIFY(!s.node(QStringLiteral("nobody")));

    store::NodeRecord changed = m_roster.records()[3];
    changed.state = QStringLiteral("suspended");
    QVERIFY(s.putNode(changed).ok());
    QCOMPARE(s.node(changed.id)->state, QStringLiteral("suspended"));
    QVERIFY(s.putNode(m_roster.records()[3]).ok());

    const ledger::KeyLookup keys = s.keyLookup();
    QCOMPARE(keys(m_roster.id(5)), m_roster.key(5).publicKey());
    QVERIFY(keys(QStringLiteral("nobody")).isEmpty());

    QCOMPARE(s.meta(QStringLiteral("scenario"), QStringLiteral("none")), QStringLiteral("none"));
    QVERIFY(s.setMeta(QStringLiteral("scenario"), QStringLiteral("demo")).ok());
    QCOMPARE(s.meta(QStringLiteral("scenario")), QStringLiteral("demo"));
}

void TestStore::findTransactions_data()
{
    QTest::addColumn<TxQuery>("query");
    QTest::addColumn<int>("minHits"); // guards against an oracle that agrees on "nothing"

    const qint64 t0 = 1'700'000'000'000;
    QTest::newRow("all") << TxQuery{} << 60;
    QTest::newRow("kind order") << TxQuery(Q().kind(ledger::TxKind::Order)) << 60;
    QTest::newRow("kind trade") << TxQuery(Q().kind(ledger::TxKind::Trade)) << 4;
    QTest::newRow("chain 2") << TxQuery(Q().chain(2)) << 20;
    QTest::newRow("sender node-00") << TxQuery(Q().node(m_roster.id(0))) << 1;
    // Block 3 of chain 1 carries a trade by node-03 (biller) between node-04 and node-05.
    QTest::newRow("buyer via tx_nodes") << TxQuery(Q().kind(ledger::TxKind::Trade).node(m_roster.id(4))) << 1;
    QTest::newRow("seller via tx_nodes") << TxQuery(Q().kind(ledger::TxKind::Trade).node(m_roster.id(5))) << 1;
    QTest::newRow("time range") << TxQuery(Q().fromMs(t0 + 2000).toMs(t0 + 4500)) << 10;
    QTest::newRow("time range chain 1") << TxQuery(Q().chain(1).fromMs(t0 + 2000).toMs(t0 + 4500)) << 10;
    QTest::newRow("heights") << TxQuery(Q().chain(1).fromHeight(2).toHeight(3)) << 12;
    QTest::newRow("limit") << TxQuery(Q().limit(7)) << 7;
    QTest::newRow("limit offset") << TxQuery(Q().limit(7).offset(30)) << 7;
    QTest::newRow("offset past end") << TxQuery(Q().offset(10000)) << 0;
    QTest::newRow("no such node") << TxQuery(Q().node(QStringLiteral("nobody"))) << 0;
    QTest::newRow("combined") << TxQuery(Q().kind(ledger::TxKind::Order).chain(1).node(m_roster.id(8)).fromMs(t0).toMs(t0 + 100'000)) << 1;
}

void TestStore::findTransactions()
{
    QFETCH(TxQuery, query);
    QFETCH(int, minHits);
    auto r = m_store->findTransactions(query);
    QVERIFY2(r.ok(), qPrintable(r.errorString()));
    QList<crypto::Hash256> ids;
    for (const TxRef &ref : *r)
        ids.append(ref.id);
    QCOMPARE(ids, expectedIds(m_all, query));
    QVERIFY2(ids.size() >= minHits, qPrintable(QString::number(ids.size())));
}

void TestStore::transactionById()
{
    const ledger::Block &b = m_chain1[3];
    for (qsizetype i = 0; i < b.txs.size(); ++i) {
        const ledger::Transaction &tx = b.txs[i];
        auto got = m_store->transaction(tx.id());
        QVERIFY2(got.ok(), qPrintable(got.errorString()));
        QCOMPARE(*got, tx);
        auto ref = m_store->transactionRef(tx.id());
        QVERIFY(ref.ok());
        QCOMPARE(ref->chainId, 1u);
        QCOMPARE(ref->height, quint64(3));
        QCOMPARE(ref->index, quint32(i));
        QCOMPARE(ref->kind, tx.kind);
        QCOMPARE(ref->sender, tx.sender);
        QCOMPARE(ref->timestampMs, tx.timestampMs);
    }
    auto none = m_store->transaction(crypto::sha256("no such tx"));
    QVERIFY(!none);
    QCOMPARE(none.error().code, QStringLiteral("store.not_found"));
}

void TestStore::notContiguousRefused_data()
{
    QTest::addColumn<int>("which");
    QTest::newRow("genesis not at height 0") << 0;
    QTest::newRow("genesis with prevHash") << 1;
    QTest::newRow("height gap") << 2;
    QTest::newRow("height already stored") << 3;
    QTest::newRow("wrong prevHash") << 4;
}

void TestStore::notContiguousRefused()
{
    QFETCH(int, which);
    auto store = makeStore(QStringLiteral("contig-%1").arg(which));
    QVERIFY(store);
    const ledger::BlockHeader &tip = m_chain1.last().header;
    ledger::Block bad;
    switch (which) {
    case 0: { // chain 5 is empty
        auto c = m_roster.chain(5, 2, 2, 1'700'000'100'000);
        bad = c[1];
        break;
    }
    case 1: {
        bad = m_roster.block(5, 0, crypto::sha256("x"), {m_roster.order(5, 1, 1'700'000'100'000, 1)}, 0, 1'700'000'100'000);
        break;
    }
    case 2:
        bad = m_roster.chain(1, 2, 2, 1'700'000'000'000, &tip)[1]; // height 9 on tip 7
        break;
    case 3:
        bad = m_roster.chain(1, 1, 2, 1'700'000'000'000, &m_chain1[5].header)[0]; // height 7 again
        break;
    case 4: {
        ledger::BlockHeader other = tip;
        other.timestampMs += 1; // a different "tip" at the same height
        bad = m_roster.chain(1, 1, 2, 1'700'000'000'000, &other)[0];
        break;
    }
    }
    const auto txsBefore = store->findTransactions(TxQuery(Q().limit(0)))->size();
    Status st = store->appendBlock(bad);
    QVERIFY(!st);
    QCOMPARE(st.error().code, QStringLiteral("store.not_contiguous"));
    QCOMPARE(store->tipHeight(1), std::optional<quint64>(7));
    QVERIFY(!store->tipHeight(5));
    QCOMPARE(store->findTransactions(TxQuery(Q().limit(0)))->size(), txsBefore);
    for (const ledger::Transaction &tx : bad.txs) {
        if (!m_store->transactionRef(tx.id())) // not one of the fixture's own
            QCOMPARE(store->transactionRef(tx.id()).error().code, QStringLiteral("store.not_found"));
    }
    QVERIFY(store->validate().findings.isEmpty());
}

void TestStore::appendBlocksAllOrNothing()
{
    auto store = makeStore(QStringLiteral("all-or-nothing"));
    QVERIFY(store);
    QList<ledger::Block> more = m_roster.chain(1, 3, 3, 1'700'000'000'000, &m_chain1.last().header);
    QList<ledger::Block> batch = more;
    batch.append(more[1]); // a repeat: not contiguous
    Status st = store->appendBlocks(batch);
    QVERIFY(!st);
    QCOMPARE(st.error().code, QStringLiteral("store.not_contiguous"));
    QCOMPARE(store->tipHeight(1), std::optional<quint64>(7));
    for (const ledger::Block &b : more) {
        QCOMPARE(store->block(1, b.header.height).error().code, QStringLiteral("store.not_found"));
        QCOMPARE(store->transactionRef(b.txs[0].id()).error().code, QStringLiteral("store.not_found"));
    }
    // A block on another chain in the same failed batch is not stored either.
    QList<ledger::Block> mixed{m_roster.chain(6, 1, 1, 1'700'000'000'000)[0], more[2]};
    QVERIFY(!store->appendBlocks(mixed));
    QVERIFY(!store->tipHeight(6));

    QVERIFY2(store->appendBlocks(more).ok(), "the same blocks in order are accepted");
    QCOMPARE(store->tipHeight(1), std::optional<quint64>(10));
    QVERIFY(store->validate().findings.isEmpty());
}

void TestStore::reopenKeepsEverything()
{
    const QString dir = m_tmp.filePath(QStringLiteral("reopen"));
    {
        auto store = makeStore(QStringLiteral("reopen"));
        QVERIFY(store);
        QVERIFY(store->setMeta(QStringLiteral("k"), QStringLiteral("v")).ok());
    }
    auto store = openOrFail(dir);
    QVERIFY(store);
    QCOMPARE(store->schemaVersion(), Store::SchemaVersion);
    QCOMPARE(store->chains(), (QList<ledger::ChainId>{1, 2}));
    for (const ledger::Block &b : m_all)
        QCOMPARE(*store->block(b.header.chainId, b.header.height), b);
    QCOMPARE(*store->nodes(), m_roster.records());
    QCOMPARE(store->meta(QStringLiteral("k")), QStringLiteral("v"));
    QCOMPARE(store->findTransactions(TxQuery(Q().limit(0)))->size(), expectedIds(m_all, TxQuery(Q().limit(0))).size());
    const auto report = store->validate();
    QVERIFY(report.findings.isEmpty());
    QCOMPARE(report.blocksChecked, quint64(m_all.size()));
}

void TestStore::readOnly()
{
    const QString dir = m_tmp.filePath(QStringLiteral("readonly"));
    {
        auto store = makeStore(QStringLiteral("readonly"));
        QVERIFY(store);
    }
    auto r = Store::open(dir, Store::Options{.readOnly = true, .create = false});
    QVERIFY2(r.ok(), qPrintable(r.errorString()));
    Store &s = *r.value();
    QCOMPARE(*s.block(1, 2), m_chain1[2]);
    QVERIFY(!s.appendBlock(m_roster.chain(1, 1, 1, 1'700'000'000'000, &m_chain1.last().header)[0]));
    QVERIFY(!s.setMeta(QStringLiteral("a"), QStringLiteral("b")));
    QVERIFY(s.validate().findings.isEmpty());
}

void TestStore::validateIntact()
{
    QList<quint64> progress;
    quint64 total = 0;
    const auto report = m_store->validate([&](quint64 done, quint64 t) {
        progress.append(done);
        total = t;
    });
    QVERIFY2(report.findings.isEmpty(), qPrintable(report.findings.value(0).toString()));
    QCOMPARE(report.blocksChecked, quint64(m_all.size()));
    QVERIFY(!report.cancelled);
    QCOMPARE(total, quint64(m_all.size()));
    QVERIFY(!progress.isEmpty());
    QCOMPARE(progress.last(), total);
    QVERIFY(std::is_sorted(progress.begin(), progress.end()));
}

void TestStore::validateCancel()
{
    std::atomic_bool cancel{true};
    const auto report = m_store->validate({}, &cancel);
    QVERIFY(report.cancelled);
    QVERIFY(report.findings.isEmpty());
    QCOMPARE(report.blocksChecked, quint64(0));
}

void TestStore::tamperDetected_data()
{
    QTest::addColumn<QString>("how");
    QTest::addColumn<quint64>("height");
    QTest::addColumn<QString>("code"); // empty: any code (which check trips depends on the byte)

    QTest::newRow("body byte") << "body_byte" << quint64(3) << QString();
    QTest::newRow("body last byte (a signature)") << "body_last_byte" << quint64(5) << QString();
    QTest::newRow("header byte") << "header_byte" << quint64(2) << QString();
    QTest::newRow("header timestamp byte") << "header_timestamp" << quint64(4) << "store.hash_column";
    QTest::newRow("hash column") << "hash_column" << quint64(4) << "store.hash_column";
    QTest::newRow("prev_hash column") << "prev_hash_column" << quint64(6) << "store.prev_hash_column";
    QTest::newRow("tx_count column") << "tx_count_column" << quint64(1) << "store.column";
    QTest::newRow("delete txs row") << "delete_txs_row" << quint64(2) << "store.index";
    QTest::newRow("swap txs rows between blocks") << "swap_txs_rows" << quint64(1) << "store.index";
    QTest::newRow("swap tx between bodies") << "swap_tx_bodies" << quint64(2) << "chain.merkle_root";
    QTest::newRow("re-signed tx in body") << "resign_tx" << quint64(5) << "chain.tx_signature";
    QTest::newRow("delete block row") << "delete_block" << quint64(3) << "store.missing_block";
    QTest::newRow("delete genesis") << "delete_genesis" << quint64(0) << "store.missing_block";
    QTest::newRow("extra txs row") << "extra_txs_row" << quint64(7) << "store.index";
}

void TestStore::tamperDetected()
{
    QFETCH(QString, how);
    QFETCH(quint64, height);
    QFETCH(QString, code);

    const QString name = QStringLiteral("tamper-") + how;
    QVERIFY(makeStore(name)); // built and closed: the tool edits the file between runs
    {
        test::RawDb raw(Store::databasePath(m_tmp.filePath(name)));
        QVERIFY(raw.isOpen());
        const qint64 h = qint64(height);
        const auto flipByte = [&](const char *column, qsizetype pos) {
            QByteArray blob = raw.exec(QStringLiteral("SELECT %1 FROM blocks WHERE chain_id = 1 AND height = ?").arg(QLatin1String(column)),
                                       {h}).toByteArray();
            QVERIFY(!blob.isEmpty());
            if (pos < 0)
                pos += blob.size();
            blob[pos] = char(blob[pos] ^ 0x5a);
            raw.exec(QStringLiteral("UPDATE blocks SET %1 = ? WHERE chain_id = 1 AND height = ?").arg(QLatin1String(column)),
                     {blob, h});
        };
        const auto body = [&](qint64 at) {
            return *ledger::Block::decodeBody(
                raw.exec(QStringLiteral("SELECT body FROM blocks WHERE chain_id = 1 AND height = ?"), {at}).toByteArray());
        };
        const auto setBody = [&](qint64 at, const QList<ledger::Transaction> &txs) {
            ledger::Block b;
            b.txs = txs;
            raw.exec(QStringLiteral("UPDATE blocks SET body = ? WHERE chain_id = 1 AND height = ?"), {b.encodeBody(), at});
        };

        if (how == QLatin1String("body_byte")) {
            flipByte("body", 200);
        } else if (how == QLatin1String("body_last_byte")) {
            flipByte("body", -1);
        } else if (how == QLatin1String("header_byte")) {
            flipByte("header", 20);
        } else if (how == QLatin1String("header_timestamp")) {
            // version u8, chain u32, height u64, prev 32, merkle 32, then the timestamp i64.
            flipByte("header", 1 + 4 + 8 + 32 + 32 + 7);
        } else if (how == QLatin1String("hash_column")) {
            raw.exec(QStringLiteral("UPDATE blocks SET hash = ? WHERE chain_id = 1 AND height = ?"),
                     {crypto::sha256("forged").toByteArray(), h});
        } else if (how == QLatin1String("prev_hash_column")) {
            raw.exec(QStringLiteral("UPDATE blocks SET prev_hash = ? WHERE chain_id = 1 AND height = ?"),
                     {crypto::sha256("forged").toByteArray(), h});
        } else if (how == QLatin1String("tx_count_column")) {
            raw.exec(QStringLiteral("UPDATE blocks SET tx_count = tx_count + 1 WHERE chain_id = 1 AND height = ?"), {h});
        } else if (how == QLatin1String("delete_txs_row")) {
            raw.exec(QStringLiteral("DELETE FROM txs WHERE chain_id = 1 AND height = ? AND idx = 2"), {h});
        } else if (how == QLatin1String("swap_txs_rows")) {
            // Row (1, 0) moves to (4, 0) and back: both blocks' index rows now name the other's tx.
            raw.exec(QStringLiteral("UPDATE txs SET height = -1 WHERE chain_id = 1 AND height = 1 AND idx = 0"));
            raw.exec(QStringLiteral("UPDATE txs SET height = 1 WHERE chain_id = 1 AND height = 4 AND idx = 0"));
            raw.exec(QStringLiteral("UPDATE txs SET height = 4 WHERE chain_id = 1 AND height = -1 AND idx = 0"));
        } else if (how == QLatin1String("swap_tx_bodies")) {
            auto a = body(2);
            auto b = body(6);
            std::swap(a[1], b[1]);
            setBody(2, a);
            setBody(6, b);
        } else if (how == QLatin1String("resign_tx")) {
            // Same id (the id excludes the signature) but signed by the wrong key.
            auto txs = body(h);
            txs[2].sign(m_roster.key(11));
            setBody(h, txs);
        } else if (how == QLatin1String("delete_block")) {
            raw.exec(QStringLiteral("DELETE FROM blocks WHERE chain_id = 1 AND height = ?"), {h});
        } else if (how == QLatin1String("delete_genesis")) {
            raw.exec(QStringLiteral("DELETE FROM blocks WHERE chain_id = 1 AND height = 0"));
        } else if (how == QLatin1String("extra_txs_row")) {
            raw.exec(QStringLiteral("INSERT INTO txs(id, chain_id, height, idx, kind, sender, timestamp_ms) "
                                    "VALUES(?, 1, 7, 99, 1, 'node-01', 0)"),
                     {crypto::sha256("phantom").toByteArray()});
        } else {
            QFAIL("unknown tamper");
        }
    }

    auto store = openOrFail(m_tmp.filePath(name));
    QVERIFY(store);
    const auto report = store->validate();
    QCOMPARE(report.findings.size(), 1); // chain 2 is untouched
    const ledger::ValidationFinding &f = report.findings.first();
    QVERIFY2(f.chainId == 1 && f.height == height, qPrintable(f.toString()));
    if (!code.isEmpty())
        QVERIFY2(f.code == code, qPrintable(f.toString()));
    QVERIFY(!f.reason.isEmpty());
    // Chain 2 was still checked to its end.
    QVERIFY(report.blocksChecked >= quint64(m_chain2.size()));
}

void TestStore::migrateFromV1()
{
    const QString dir = m_tmp.filePath(QStringLiteral("v1"));
    QVERIFY(QDir().mkpath(dir));
    {
        // The v1 schema as the first release wrote it, by hand.
        test::RawDb raw(Store::databasePath(dir));
        QVERIFY(raw.isOpen());
        for (const char *sql : {
                 "CREATE TABLE schema_version(version INTEGER NOT NULL)",
                 "INSERT INTO schema_version(version) VALUES(1)",
                 "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT)",
                 "CREATE TABLE nodes(id TEXT PRIMARY KEY, name TEXT NOT NULL, public_key BLOB, roles TEXT, "
                 "state TEXT, chain_id INTEGER NOT NULL DEFAULT 0, attributes BLOB)",
                 "CREATE TABLE blocks(chain_id INTEGER NOT NULL, height INTEGER NOT NULL, hash BLOB NOT NULL UNIQUE, "
                 "prev_hash BLOB NOT NULL, timestamp_ms INTEGER NOT NULL, biller TEXT NOT NULL, "
                 "tx_count INTEGER NOT NULL, header BLOB NOT NULL, body BLOB NOT NULL, PRIMARY KEY(chain_id, height))",
             }) {
            QString error;
            raw.exec(QString::fromLatin1(sql), {}, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
        }
        for (const store::NodeRecord &n : m_roster.records()) {
            raw.exec(QStringLiteral("INSERT INTO nodes VALUES(?, ?, ?, ?, ?, ?, ?)"),
                     {n.id, n.name, n.publicKey, n.roles, n.state, qint64(n.chainId), n.attributes});
        }
        for (const ledger::Block &b : m_all) {
            const auto &h = b.header;
            QString error;
            raw.exec(QStringLiteral("INSERT INTO blocks VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                     {qint64(h.chainId), qint64(h.height), h.hash().toByteArray(), h.prevHash.toByteArray(),
                      h.timestampMs, h.billerId, qint64(h.txCount), h.encode(), b.encodeBody()},
                     &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
        }
    }

    auto store = openOrFail(dir);
    QVERIFY(store);
    QCOMPARE(store->schemaVersion(), Store::SchemaVersion); // v1 -> v2 -> v3 in one open
    for (const TxQuery &q : {TxQuery(Q().limit(0)), TxQuery(Q().node(m_roster.id(4))),
                             TxQuery(Q().kind(ledger::TxKind::Trade).node(m_roster.id(5))), TxQuery(Q().chain(2))}) {
        QList<crypto::Hash256> ids;
        const auto refs = store->findTransactions(q);
        QVERIFY2(refs.ok(), qPrintable(refs.errorString()));
        for (const TxRef &r : *refs)
            ids.append(r.id);
        QVERIFY(!ids.isEmpty());
        QCOMPARE(ids, expectedIds(m_all, q));
    }
    QCOMPARE(*store->transaction(m_chain2[1].txs[2].id()), m_chain2[1].txs[2]);
    const auto report = store->validate();
    QVERIFY2(report.findings.isEmpty(), qPrintable(report.findings.value(0).toString()));
    QCOMPARE(report.blocksChecked, quint64(m_all.size()));
    // And appending continues on the migrated file.
    QVERIFY(store->appendBlocks(m_roster.chain(1, 2, 2, 1'700'000'000'000, &m_chain1.last().header)).ok());

    test::RawDb raw(Store::databasePath(dir));
    QCOMPARE(raw.exec(QStringLiteral("SELECT version FROM schema_version")).toInt(), Store::SchemaVersion);
}

void TestStore::migrateFromV2()
{
    // A v2 file as the previous release left it: today's schema without the v3 tables.
    const QString dir = m_tmp.filePath(QStringLiteral("v2"));
    {
        auto store = makeStore(QStringLiteral("v2"));
        QVERIFY(store);
    }
    {
        test::RawDb raw(Store::databasePath(dir));
        QVERIFY(raw.isOpen());
        for (const char *sql : {"DROP TABLE keystore", "DROP TABLE users", "UPDATE schema_version SET version = 2"}) {
            QString error;
            raw.exec(QString::fromLatin1(sql), {}, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
        }
        QCOMPARE(raw.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name IN ('users', 'keystore')")).toInt(), 0);
    }
    // A read-only open does not upgrade.
    {
        auto r = Store::open(dir, Store::Options{.readOnly = true, .create = false});
        QVERIFY(!r);
        QCOMPARE(r.error().code, QStringLiteral("store.migrate"));
    }

    auto store = openOrFail(dir);
    QVERIFY(store);
    QCOMPARE(store->schemaVersion(), 3);
    // The blocks and index are untouched; the users tables are there and work.
    const auto report = store->validate();
    QVERIFY2(report.findings.isEmpty(), qPrintable(report.findings.value(0).toString()));
    QCOMPARE(report.blocksChecked, quint64(m_all.size()));
    QVERIFY(store->users()->isEmpty());

    store::UserRecord u{QStringLiteral("alice"), QStringLiteral("scrypt$x"), QStringLiteral("prosumer"),
                        {m_roster.id(1), m_roster.id(2)}, 0, 0, 1'700'000'000'000};
    QVERIFY(store->putUserWithKeys(u, {{m_roster.id(1), QByteArray("blob-1")}, {m_roster.id(2), QByteArray("blob-2")}}).ok());
    QCOMPARE(*store->user(QStringLiteral("alice")), u);
    QCOMPARE(store->keysOf(QStringLiteral("alice"))->size(), 2);
    // putUser updates in place: the keys stay (an INSERT OR REPLACE would cascade them away).
    u.failedLogins = 3;
    QVERIFY(store->putUser(u).ok());
    QCOMPARE(store->user(QStringLiteral("alice"))->failedLogins, 3);
    QCOMPARE(store->keysOf(QStringLiteral("alice"))->size(), 2);
    // putUserWithKeys replaces the key set.
    QVERIFY(store->putUserWithKeys(u, {{m_roster.id(3), QByteArray("blob-3")}}).ok());
    QCOMPARE(*store->keysOf(QStringLiteral("alice")), (QList<store::KeyBlob>{{m_roster.id(3), QByteArray("blob-3")}}));
    QVERIFY(store->putKey(QStringLiteral("alice"), m_roster.id(4), QByteArray("blob-4")).ok());
    QCOMPARE(store->keysOf(QStringLiteral("alice"))->size(), 2);
    // A key for an unknown user is refused (foreign key).
    QVERIFY(!store->putKey(QStringLiteral("nobody"), m_roster.id(4), QByteArray("blob")).ok());
    QVERIFY(store->removeKeys(QStringLiteral("alice")).ok());
    QVERIFY(store->keysOf(QStringLiteral("alice"))->isEmpty());
    QVERIFY(store->putKey(QStringLiteral("alice"), m_roster.id(4), QByteArray("blob-4")).ok());
    QVERIFY(store->removeUser(QStringLiteral("alice")).ok());
    QVERIFY(!store->user(QStringLiteral("alice")));
    QVERIFY(store->keysOf(QStringLiteral("alice"))->isEmpty());

    test::RawDb raw(Store::databasePath(dir));
    QCOMPARE(raw.exec(QStringLiteral("SELECT version FROM schema_version")).toInt(), 3);
    QCOMPARE(raw.exec(QStringLiteral("SELECT count(*) FROM keystore")).toInt(), 0);
}

void TestStore::schemaTooNew()
{
    const QString dir = m_tmp.filePath(QStringLiteral("too-new"));
    {
        auto store = openOrFail(dir);
        QVERIFY(store);
    }
    {
        test::RawDb raw(Store::databasePath(dir));
        raw.exec(QStringLiteral("UPDATE schema_version SET version = ?"), {Store::SchemaVersion + 1});
    }
    auto r = Store::open(dir);
    QVERIFY(!r);
    QCOMPARE(r.error().code, QStringLiteral("store.schema_too_new"));
    QVERIFY2(r.error().message.contains(Store::databasePath(dir)), qPrintable(r.error().message));
}

void TestStore::notSqlite_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::newRow("text") << QByteArray("id,name\nnode-1,Alice\n");
    QByteArray noise(8192, '\0');
    for (int i = 0; i < noise.size(); ++i)
        noise[i] = char((i * 131 + 7) & 0xff);
    QTest::newRow("binary noise") << noise;
    QByteArray fakeHeader = QByteArray("SQLite format 3") + '\0' + QByteArray(4080, '\x7f');
    QTest::newRow("sqlite magic, garbage after") << fakeHeader;
}

void TestStore::notSqlite()
{
    QFETCH(QByteArray, content);
    const QString dir = m_tmp.filePath(QStringLiteral("garbage-%1").arg(QTest::currentDataTag()).replace(' ', '_'));
    QVERIFY(QDir().mkpath(dir));
    QFile f(Store::databasePath(dir));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(content);
    f.close();

    for (bool readOnly : {false, true}) {
        auto r = Store::open(dir, Store::Options{.readOnly = readOnly, .create = true});
        QVERIFY(!r);
        QVERIFY2(r.error().code == QLatin1String("store.open") || r.error().code == QLatin1String("store.migrate"),
                 qPrintable(r.errorString()));
        QVERIFY2(r.error().message.contains(Store::databasePath(dir)), qPrintable(r.errorString()));
    }
    // The file is left as it was.
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), content);
}

void TestStore::foreignSqliteDatabase()
{
    const QString dir = m_tmp.filePath(QStringLiteral("foreign"));
    QVERIFY(QDir().mkpath(dir));
    {
        test::RawDb raw(Store::databasePath(dir));
        raw.exec(QStringLiteral("CREATE TABLE contacts(name TEXT)"));
    }
    auto r = Store::open(dir);
    QVERIFY(!r);
    QCOMPARE(r.error().code, QStringLiteral("store.open"));
    test::RawDb raw(Store::databasePath(dir));
    QCOMPARE(raw.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")).toInt(), 1); // untouched
}

void TestStore::writerAndReaderThreads()
{
    const QString dir = m_tmp.filePath(QStringLiteral("threads"));
    const QList<ledger::Block> blocks = m_roster.chain(3, 150, 2, 1'700'000'000'000);
    {
        auto store = openOrFail(dir);
        QVERIFY(store);
        QVERIFY(store->putNodes(m_roster.records()).ok());
    }

    QString writerError;
    std::atomic_bool writerDone{false};
    std::unique_ptr<QThread> writer(QThread::create([&] {
        auto r = Store::open(dir); // this thread's own connection
        if (!r) {
            writerError = r.errorString();
            writerDone = true;
            return;
        }
        for (const ledger::Block &b : blocks) {
            if (Status st = r.value()->appendBlock(b); !st) {
                writerError = st.errorString();
                break;
            }
        }
        writerDone = true;
    }));

    auto reader = openOrFail(dir);
    QVERIFY(reader);
    writer->start();
    quint64 seen = 0;
    int reads = 0;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 20000) {
        const bool done = writerDone;
        if (auto tip = reader->tipHeight(3)) {
            QVERIFY(*tip >= seen); // never goes back
            seen = *tip;
            auto b = reader->block(3, *tip);
            QVERIFY2(b.ok(), qPrintable(b.errorString()));
            QCOMPARE(*b, blocks[qsizetype(*tip)]);
            QVERIFY(reader->transactionRef(b->txs[0].id()).ok()); // index committed with the block
            ++reads;
        }
        if (done)
            break;
        QThread::usleep(200);
    }
    QVERIFY(writer->wait(20000));
    QVERIFY2(writerError.isEmpty(), qPrintable(writerError));
    QCOMPARE(reader->tipHeight(3), std::optional<quint64>(blocks.size() - 1));
    QVERIFY(reads > 1);
    const auto report = reader->validate();
    QVERIFY2(report.findings.isEmpty(), qPrintable(report.findings.value(0).toString()));
}

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
