#include "core/store/store.h"

#include "core/ledger/payloads.h"
#include "core/store/migrations.h"
#include "core/store/sql_util.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QThreadPool>

#include <limits>
#include <vector>

namespace mg::store {

using detail::sqlError;
using detail::sqlInt;
using ledger::ValidationFinding;

namespace {

std::atomic<quint64> g_connectionCounter{0};

QString newConnectionName()
{
    return QStringLiteral("mg-store-%1-%2")
        .arg(QString::number(quintptr(QThread::currentThreadId()), 16), QString::number(++g_connectionCounter));
}

// Heights come in as quint64; SQLite compares signed 64-bit, so "up to the end" must not wrap.
qint64 heightBound(quint64 v)
{
    return qint64(std::min<quint64>(v, quint64(std::numeric_limits<qint64>::max())));
}

// Qt binds a null QString as SQL NULL; text columns are NOT NULL, so bind "" instead.
QString nonNull(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

Error notFound(const QString &what)
{
    return Error{QStringLiteral("store.not_found"), what};
}

Result<ledger::Block> decodeBlock(ChainId chain, quint64 height, const QByteArray &header, const QByteArray &body)
{
    ledger::Block block;
    auto h = ledger::BlockHeader::decode(header);
    if (!h)
        return Error{QStringLiteral("store.decode"), QStringLiteral("chain %1 height %2: header: %3")
                                                          .arg(QString::number(chain), QString::number(height),
                                                               h.error().toString())};
    auto txs = ledger::Block::decodeBody(body);
    if (!txs)
        return Error{QStringLiteral("store.decode"), QStringLiteral("chain %1 height %2: body: %3")
                                                          .arg(QString::number(chain), QString::number(height),
                                                               txs.error().toString())};
    block.header = std::move(h).value();
    block.txs = std::move(txs).value();
    return block;
}

TxRef txRefFromRow(const QSqlQuery &q)
{
    // Columns: id, chain_id, height, idx, kind, sender, timestamp_ms.
    TxRef ref;
    ref.id = crypto::Hash256::fromBytes(q.value(0).toByteArray());
    ref.chainId = ChainId(q.value(1).toLongLong());
    ref.height = quint64(q.value(2).toLongLong());
    ref.index = quint32(q.value(3).toLongLong());
    ref.kind = ledger::TxKind(q.value(4).toInt());
    ref.sender = q.value(5).toString();
    ref.timestampMs = q.value(6).toLongLong();
    return ref;
}

constexpr auto TxRefColumns = "id, chain_id, height, idx, kind, sender, timestamp_ms";

} // namespace

struct Store::Impl
{
    QString dataDir;
    QString path;
    QString connection;
    QSqlDatabase db;
    int version = 0;

    // Hot-path statements, prepared once after migration.
    std::optional<QSqlQuery> insertBlock;
    std::optional<QSqlQuery> selectTip;
    std::optional<detail::TxIndexWriter> txIndex;

    struct Tip
    {
        bool exists = false;
        quint64 height = 0;
        crypto::Hash256 hash;
    };

    ~Impl()
    {
        // Statements first, then the connection; the Store removes the connection name after.
        insertBlock.reset();
        selectTip.reset();
        txIndex.reset();
        if (db.isOpen())
            db.close();
        db = QSqlDatabase();
    }

    QSqlQuery query() const
    {
        QSqlQuery q(db);
        q.setForwardOnly(true); // no client-side row cache
        return q;
    }

    Error readError(const QString &what, const QSqlQuery &q) const
    {
        return sqlError(QStringLiteral("store.read"), QStringLiteral("%1 (%2)").arg(what, path), q.lastError());
    }

    Status prepareStatements();
    Result<Tip> tip(ChainId chain);
    Status append(const ledger::Block &block, QHash<ChainId, Tip> &tips);
};

Status Store::Impl::prepareStatements()
{
    insertBlock.emplace(db);
    if (!insertBlock->prepare(QStringLiteral(
            "INSERT INTO blocks(chain_id, height, hash, prev_hash, timestamp_ms, biller, tx_count, header, body) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")))
        return sqlError(QStringLiteral("store.open"), QStringLiteral("cannot prepare the block insert on %1").arg(path),
                        insertBlock->lastError());
    selectTip.emplace(db);
    selectTip->setForwardOnly(true);
    if (!selectTip->prepare(QStringLiteral(
            "SELECT height, hash FROM blocks WHERE chain_id = ? ORDER BY height DESC LIMIT 1")))
        return sqlError(QStringLiteral("store.open"), QStringLiteral("cannot prepare the tip query on %1").arg(path),
                        selectTip->lastError());
    txIndex.emplace(db);
    return txIndex->prepare();
}

Result<Store::Impl::Tip> Store::Impl::tip(ChainId chain)
{
    selectTip->bindValue(0, qint64(chain));
    if (!selectTip->exec())
        return readError(QStringLiteral("cannot read the tip of chain %1").arg(chain), *selectTip);
    Tip t;
    if (selectTip->next()) {
        t.exists = true;
        t.height = quint64(selectTip->value(0).toLongLong());
        t.hash = crypto::Hash256::fromBytes(selectTip->value(1).toByteArray());
    }
    selectTip->finish(); // an unfinished SELECT would pin this connection's read snapshot
    return t;
}

Status Store::Impl::append(const ledger::Block &block, QHash<ChainId, Tip> &tips)
{
    const ledger::BlockHeader &h = block.header;
    auto it = tips.find(h.chainId);
    if (it == tips.end()) {
        Result<Tip> t = tip(h.chainId);
        if (!t)
            return t.error();
        it = tips.insert(h.chainId, *t);
    }
    const auto notContiguous = [&h](const QString &why) {
        return Error{QStringLiteral("store.not_contiguous"),
                     QStringLiteral("chain %1 height %2: %3").arg(QString::number(h.chainId), QString::number(h.height), why)};
    };
    if (!it->exists) {
        if (h.height != 0)
            return notContiguous(QStringLiteral("the chain is empty, expected a genesis block at height 0"));
        if (!h.prevHash.isNull())
            return notContiguous(QStringLiteral("a genesis block must have a null prevHash"));
    } else if (h.height != it->height + 1) {
        return notContiguous(QStringLiteral("the stored tip is at height %1").arg(it->height));
    } else if (h.prevHash != it->hash) {
        return notContiguous(QStringLiteral("prevHash %1 is not the stored tip's hash %2")
                                 .arg(h.prevHash.shortHex(), it->hash.shortHex()));
    }

    const crypto::Hash256 hash = h.hash();
    QSqlQuery &q = *insertBlock;
    q.bindValue(0, qint64(h.chainId));
    q.bindValue(1, sqlInt(h.height));
    q.bindValue(2, hash.toByteArray());
    q.bindValue(3, h.prevHash.toByteArray());
    q.bindValue(4, h.timestampMs);
    q.bindValue(5, nonNull(h.billerId));
    q.bindValue(6, qint64(h.txCount));
    q.bindValue(7, h.encode());
    q.bindValue(8, block.encodeBody());
    if (!q.exec())
        return sqlError(QStringLiteral("store.write"),
                        QStringLiteral("cannot store block chain %1 height %2 in %3")
                            .arg(QString::number(h.chainId), QString::number(h.height), path),
                        q.lastError());
    if (Status st = txIndex->index(h.chainId, h.height, block.txs); !st)
        return st;
    *it = Tip{true, h.height, hash};
    return okStatus();
}

// ---------------------------------------------------------------------------------------------

Store::Store()
    : d(std::make_unique<Impl>())
{
}

Store::~Store()
{
    const QString connection = d->connection;
    d.reset(); // every QSqlQuery and QSqlDatabase handle is gone after this
    if (!connection.isEmpty())
        QSqlDatabase::removeDatabase(connection);
}

QString Store::databasePath(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("microgrid.sqlite"));
}

Result<std::unique_ptr<Store>> Store::open(const QString &dataDir, Options options)
{
    const QString path = databasePath(dataDir);
    if (!options.create || options.readOnly) {
        if (!QFileInfo(path).isFile())
            return Error{QStringLiteral("store.missing"), QStringLiteral("no database at %1").arg(path)};
    } else if (!QDir().mkpath(dataDir)) {
        return Error{QStringLiteral("store.open"), QStringLiteral("cannot create directory %1").arg(dataDir)};
    }

    std::unique_ptr<Store> store(new Store());
    Impl &d = *store->d;
    d.dataDir = dataDir;
    d.path = path;
    d.connection = newConnectionName();
    d.db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), d.connection);
    if (!d.db.isValid())
        return Error{QStringLiteral("store.open"), QStringLiteral("the Qt SQLite driver (QSQLITE) is not available")};
    d.db.setDatabaseName(path);
    if (options.readOnly)
        d.db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
    if (!d.db.open())
        return sqlError(QStringLiteral("store.open"), QStringLiteral("cannot open %1").arg(path), d.db.lastError());

    // busy_timeout first: switching to WAL needs a lock another connection may hold.
    // WAL + synchronous=NORMAL: a commit is durable once it returns as far as a process crash
    // (kill -9) goes, which is what we promise; only a power loss or OS crash may roll back the
    // last few commits (they are never corrupted). FULL would fsync on every block.
    QSqlQuery q = d.query();
    const auto pragma = [&](const QString &sql) -> Status {
        if (!q.exec(sql))
            return sqlError(QStringLiteral("store.open"), QStringLiteral("cannot open %1").arg(path), q.lastError());
        return okStatus();
    };
    if (Status st = pragma(QStringLiteral("PRAGMA busy_timeout = 5000")); !st)
        return st.error();
    if (!options.readOnly) {
        if (Status st = pragma(QStringLiteral("PRAGMA journal_mode = WAL")); !st)
            return st.error();
        const QString mode = q.next() ? q.value(0).toString() : QString();
        if (mode.compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0)
            return Error{QStringLiteral("store.open"),
                         QStringLiteral("cannot switch %1 to WAL mode (journal mode is '%2')").arg(path, mode)};
        q.finish();
    }
    for (const char *sql : {"PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON",
                            // Random 32-byte tx ids land all over the txs primary key; a larger
                            // page cache keeps that index's inner pages in memory.
                            "PRAGMA cache_size = -32768",
                            // Checkpoint every ~32 MB of WAL instead of 4 MB: pages rewritten by
                            // consecutive blocks (index interiors) are copied back once, and
                            // the checkpoint's fsync is paid less often.
                            "PRAGMA wal_autocheckpoint = 8192", "PRAGMA journal_size_limit = 67108864"}) {
        if (Status st = pragma(QString::fromLatin1(sql)); !st)
            return st.error();
    }
    q.finish();

    if (options.readOnly) {
        Result<int> v = detail::readSchemaVersion(d.db, path);
        if (!v)
            return v.error();
        if (*v > SchemaVersion)
            return Error{QStringLiteral("store.schema_too_new"),
                         QStringLiteral("%1 has schema version %2; this build knows versions up to %3")
                             .arg(path, QString::number(*v), QString::number(SchemaVersion))};
        if (*v < SchemaVersion)
            return Error{QStringLiteral("store.migrate"),
                         QStringLiteral("%1 has schema version %2 and needs an upgrade; open it writable once")
                             .arg(path, QString::number(*v))};
        d.version = *v;
    } else {
        Result<int> v = detail::migrate(d.db, path);
        if (!v)
            return v.error();
        d.version = *v;
    }
    if (Status st = d.prepareStatements(); !st)
        return st.error();
    return Result<std::unique_ptr<Store>>(std::move(store));
}

QString Store::dataDir() const
{
    return d->dataDir;
}

int Store::schemaVersion() const
{
    return d->version;
}

QSqlDatabase Store::database() const
{
    return d->db;
}

// --- nodes ------------------------------------------------------------------------------------

Status Store::putNode(const NodeRecord &node)
{
    return putNodes({node});
}

Status Store::putNodes(const QList<NodeRecord> &nodes)
{
    WriteTransaction tx(d->db);
    if (!tx.isActive())
        return Error{QStringLiteral("store.write"), QStringLiteral("cannot write to %1: %2").arg(d->path, tx.errorString())};
    QSqlQuery q(d->db);
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO nodes(id, name, public_key, roles, state, chain_id, attributes) "
                             "VALUES(?, ?, ?, ?, ?, ?, ?)"));
    for (const NodeRecord &n : nodes) {
        q.bindValue(0, nonNull(n.id));
        q.bindValue(1, nonNull(n.name));
        q.bindValue(2, n.publicKey);
        q.bindValue(3, nonNull(n.roles));
        q.bindValue(4, nonNull(n.state));
        q.bindValue(5, qint64(n.chainId));
        q.bindValue(6, n.attributes);
        if (!q.exec())
            return sqlError(QStringLiteral("store.write"), QStringLiteral("cannot store node '%1' in %2").arg(n.id, d->path),
                            q.lastError());
    }
    return tx.commit();
}

namespace {

NodeRecord nodeFromRow(const QSqlQuery &q)
{
    NodeRecord n;
    n.id = q.value(0).toString();
    n.name = q.value(1).toString();
    n.publicKey = q.value(2).toByteArray();
    n.roles = q.value(3).toString();
    n.state = q.value(4).toString();
    n.chainId = ChainId(q.value(5).toLongLong());
    n.attributes = q.value(6).toByteArray();
    return n;
}

constexpr auto NodeColumns = "id, name, public_key, roles, state, chain_id, attributes";

} // namespace

Result<QList<NodeRecord>> Store::nodes() const
{
    QSqlQuery q = d->query();
    if (!q.exec(QStringLiteral("SELECT %1 FROM nodes ORDER BY id").arg(QLatin1String(NodeColumns))))
        return d->readError(QStringLiteral("cannot read nodes"), q);
    QList<NodeRecord> list;
    while (q.next())
        list.append(nodeFromRow(q));
    return list;
}

std::optional<NodeRecord> Store::node(const NodeId &id) const
{
    QSqlQuery q = d->query();
    q.prepare(QStringLiteral("SELECT %1 FROM nodes WHERE id = ?").arg(QLatin1String(NodeColumns)));
    q.bindValue(0, nonNull(id));
    if (!q.exec() || !q.next())
        return std::nullopt;
    return nodeFromRow(q);
}

ledger::KeyLookup Store::keyLookup() const
{
    // A snapshot taken now: lookups are then plain hash reads, safe from any thread (validate()
    // checks signatures on a thread pool), and unaffected by later roster writes.
    auto keys = std::make_shared<QHash<NodeId, QByteArray>>();
    QSqlQuery q = d->query();
    if (q.exec(QStringLiteral("SELECT id, public_key FROM nodes"))) {
        while (q.next())
            keys->insert(q.value(0).toString(), q.value(1).toByteArray());
    }
    return [keys = std::shared_ptr<const QHash<NodeId, QByteArray>>(std::move(keys))](const NodeId &id) {
        return keys->value(id);
    };
}

// --- blocks -----------------------------------------------------------------------------------

Status Store::appendBlock(const ledger::Block &block)
{
    return appendBlocks({block});
}

Status Store::appendBlocks(const QList<ledger::Block> &blocks)
{
    if (blocks.isEmpty())
        return okStatus();
    WriteTransaction tx(d->db);
    if (!tx.isActive())
        return Error{QStringLiteral("store.write"), QStringLiteral("cannot write to %1: %2").arg(d->path, tx.errorString())};
    QHash<ChainId, Impl::Tip> tips; // tips as this transaction moves them
    for (const ledger::Block &block : blocks) {
        if (Status st = d->append(block, tips); !st)
            return st; // tx rolls back: nothing of this call is stored
    }
    return tx.commit();
}

QList<ChainId> Store::chains() const
{
    // Skip-scan over the primary key: one index seek per chain instead of a scan of all blocks.
    QSqlQuery q = d->query();
    QList<ChainId> list;
    if (!q.exec(QStringLiteral(
            "WITH RECURSIVE c(id) AS (SELECT min(chain_id) FROM blocks "
            "UNION ALL SELECT (SELECT min(chain_id) FROM blocks WHERE chain_id > c.id) FROM c WHERE c.id IS NOT NULL) "
            "SELECT id FROM c WHERE id IS NOT NULL")))
        return list;
    while (q.next())
        list.append(ChainId(q.value(0).toLongLong()));
    return list;
}

std::optional<quint64> Store::tipHeight(ChainId chain) const
{
    QSqlQuery q = d->query();
    q.prepare(QStringLiteral("SELECT max(height) FROM blocks WHERE chain_id = ?"));
    q.bindValue(0, qint64(chain));
    if (!q.exec() || !q.next() || q.value(0).isNull())
        return std::nullopt;
    return quint64(q.value(0).toLongLong());
}

Result<ledger::Block> Store::block(ChainId chain, quint64 height) const
{
    QSqlQuery q = d->query();
    q.prepare(QStringLiteral("SELECT header, body FROM blocks WHERE chain_id = ? AND height = ?"));
    q.bindValue(0, qint64(chain));
    q.bindValue(1, heightBound(height));
    if (!q.exec())
        return d->readError(QStringLiteral("cannot read block chain %1 height %2").arg(QString::number(chain), QString::number(height)), q);
    if (!q.next())
        return notFound(QStringLiteral("no block at chain %1 height %2").arg(QString::number(chain), QString::number(height)));
    return decodeBlock(chain, height, q.value(0).toByteArray(), q.value(1).toByteArray());
}

Result<ledger::Block> Store::blockByHash(const crypto::Hash256 &hash) const
{
    QSqlQuery q = d->query();
    q.prepare(QStringLiteral("SELECT chain_id, height, header, body FROM blocks WHERE hash = ?"));
    q.bindValue(0, hash.toByteArray());
    if (!q.exec())
        return d->readError(QStringLiteral("cannot read block %1").arg(hash.toHex()), q);
    if (!q.next())
        return notFound(QStringLiteral("no block with hash %1").arg(hash.toHex()));
    return decodeBlock(ChainId(q.value(0).toLongLong()), quint64(q.value(1).toLongLong()), q.value(2).toByteArray(),
                       q.value(3).toByteArray());
}

Result<QList<ledger::BlockHeader>> Store::headers(ChainId chain, quint64 fromHeight, quint64 toHeight) const
{
    QSqlQuery q = d->query();
    q.prepare(QStringLiteral("SELECT height, header FROM blocks WHERE chain_id = ? AND height BETWEEN ? AND ? ORDER BY height"));
    q.bindValue(0, qint64(chain));
    q.bindValue(1, heightBound(fromHeight));
    q.bindValue(2, heightBound(toHeight));
    if (!q.exec())
        return d->readError(QStringLiteral("cannot read headers of chain %1").arg(chain), q);
    QList<ledger::BlockHeader> list;
    while (q.next()) {
        auto h = ledger::BlockHeader::decode(q.value(1).toByteArray());
        if (!h)
            return Error{QStringLiteral("store.decode"), QStringLiteral("chain %1 height %2: header: %3")
                                                              .arg(QString::number(chain), q.value(0).toString(),
                                                                   h.error().toString())};
        list.append(std::move(h).value());
    }
    return list;
}

// --- transaction index ------------------------------------------------------------------------

Result<QList<TxRef>> Store::findTransactions(const TxQuery &query) const
{
    // Only fixed fragments go into the SQL text; every value is bound.
    QString sql = QStringLiteral("SELECT %1 FROM txs WHERE 1").arg(QLatin1String(TxRefColumns));
    QVariantList params;
    if (query.kind) {
        sql += QLatin1String(" AND kind = ?");
        params << int(*query.kind);
    }
    if (query.chainId) {
        sql += QLatin1String(" AND chain_id = ?");
        params << qint64(*query.chainId);
    }
    if (!query.node.isEmpty()) {
        // Sender via txs(sender), other parties via tx_nodes (see TxIndexWriter).
        sql += QLatin1String(" AND (sender = ? OR id IN (SELECT tx_id FROM tx_nodes WHERE node_id = ?))");
        params << query.node << query.node;
    }
    if (query.fromMs) {
        sql += QLatin1String(" AND timestamp_ms >= ?");
        params << *query.fromMs;
    }
    if (query.toMs) {
        sql += QLatin1String(" AND timestamp_ms <= ?");
        params << *query.toMs;
    }
    if (query.fromHeight) {
        sql += QLatin1String(" AND height >= ?");
        params << heightBound(*query.fromHeight);
    }
    if (query.toHeight) {
        sql += QLatin1String(" AND height <= ?");
        params << heightBound(*query.toHeight);
    }
    sql += QLatin1String(" ORDER BY timestamp_ms, chain_id, height, idx LIMIT ? OFFSET ?");
    params << (query.limit > 0 ? qint64(query.limit) : qint64(-1)) << qint64(std::max(0, query.offset));

    QSqlQuery q = d->query();
    if (!q.prepare(sql))
        return d->readError(QStringLiteral("cannot prepare the transaction query"), q);
    for (int i = 0; i < params.size(); ++i)
        q.bindValue(i, params[i]);
    if (!q.exec())
        return d->readError(QStringLiteral("cannot query transactions"), q);
    QList<TxRef> list;
    while (q.next())
        list.append(txRefFromRow(q));
    return list;
}

Result<TxRef> Store::transactionRef(const crypto::Hash256 &id) const
{
    QSqlQuery q = d->query();
    q.prepare(QStringLiteral("SELECT %1 FROM txs WHERE id = ?").arg(QLatin1String(TxRefColumns)));
    q.bindValue(0, id.toByteArray());
    if (!q.exec())
        return d->readError(QStringLiteral("cannot read transaction %1").arg(id.toHex()), q);
    if (!q.next())
        return notFound(QStringLiteral("no transaction %1").arg(id.toHex()));
    return txRefFromRow(q);
}

Result<ledger::Transaction> Store::transaction(const crypto::Hash256 &id) const
{
    Result<TxRef> ref = transactionRef(id);
    if (!ref)
        return ref.error();
    Result<ledger::Block> b = block(ref->chainId, ref->height);
    if (!b)
        return b.error();
    if (ref->index >= quint32(b->txs.size()) || b->txs[ref->index].id() != id)
        return Error{QStringLiteral("store.index"),
                     QStringLiteral("index row of transaction %1 points at chain %2 height %3 index %4, which holds another transaction")
                         .arg(id.toHex(), QString::number(ref->chainId), QString::number(ref->height),
                              QString::number(ref->index))};
    return b->txs[ref->index];
}

// --- validation -------------------------------------------------------------------------------

namespace {

// One stored block on its way through validate().
struct Entry
{
    quint64 height = 0;
    ledger::Block block;
    std::optional<ledger::BlockHeader> prev;
    std::optional<ValidationFinding> rowFinding;   // decode and column checks (sequential)
    std::optional<ValidationFinding> chainFinding; // ChainValidator (thread pool)
    std::optional<ValidationFinding> indexFinding; // txs rows vs body (sequential)
    bool checked = false;
};

// Streams one chain's blocks and its txs rows side by side (both in height order), so memory
// stays at one batch of blocks however long the chain is.
class ChainScan
{
public:
    ChainScan(const QSqlDatabase &db, ChainId chain)
        : m_chain(chain)
        , m_rows(db)
        , m_index(db)
    {
        m_rows.setForwardOnly(true);
        m_index.setForwardOnly(true);
    }

    std::optional<ValidationFinding> start()
    {
        m_rows.prepare(QStringLiteral("SELECT height, hash, prev_hash, timestamp_ms, biller, tx_count, header, body "
                                      "FROM blocks WHERE chain_id = ? ORDER BY height"));
        m_rows.bindValue(0, qint64(m_chain));
        if (!m_rows.exec())
            return finding(0, "store.read", m_rows.lastError().text());
        m_index.prepare(QStringLiteral("SELECT height, idx, id, kind, sender, timestamp_ms FROM txs "
                                       "WHERE chain_id = ? ORDER BY height, idx"));
        m_index.bindValue(0, qint64(m_chain));
        if (!m_index.exec())
            return finding(0, "store.read", m_index.lastError().text());
        m_indexValid = m_index.next();
        return std::nullopt;
    }

    // Reads the next row into e; false at the end of the chain (or on a read error, reported in e).
    bool next(Entry &e)
    {
        if (!m_rows.next()) {
            if (m_rows.lastError().isValid()) {
                e.rowFinding = finding(m_expected, "store.read", m_rows.lastError().text());
                return true;
            }
            return false;
        }
        e.height = quint64(m_rows.value(0).toLongLong());
        e.prev = m_last;
        e.rowFinding = checkRow(e);
        if (!e.rowFinding) {
            e.indexFinding = checkIndex(e);
            m_last = e.block.header;
            m_expected = e.height + 1;
        }
        return true;
    }

    // After the last block: index rows left over name blocks that are not stored.
    std::optional<ValidationFinding> leftoverIndexRows()
    {
        if (!m_indexValid)
            return std::nullopt;
        return finding(quint64(m_index.value(0).toLongLong()), "store.index",
                       QStringLiteral("index row for transaction %1 names a block that is not stored")
                           .arg(QString::fromLatin1(m_index.value(2).toByteArray().toHex())));
    }

    void finish()
    {
        m_rows.finish();
        m_index.finish();
    }

private:
    std::optional<ValidationFinding> finding(quint64 height, const char *code, const QString &reason) const
    {
        return ValidationFinding{m_chain, height, QLatin1String(code), reason};
    }

    std::optional<ValidationFinding> checkRow(Entry &e)
    {
        const quint64 h = e.height;
        if (h != m_expected)
            return finding(m_expected, "store.missing_block",
                           QStringLiteral("no block stored at height %1 (the next stored height is %2)")
                               .arg(QString::number(m_expected), QString::number(h)));
        auto header = ledger::BlockHeader::decode(m_rows.value(6).toByteArray());
        if (!header)
            return finding(h, "store.decode", QStringLiteral("header: ") + header.error().toString());
        auto txs = ledger::Block::decodeBody(m_rows.value(7).toByteArray());
        if (!txs)
            return finding(h, "store.decode", QStringLiteral("body: ") + txs.error().toString());
        e.block.header = std::move(header).value();
        e.block.txs = std::move(txs).value();
        const ledger::BlockHeader &hd = e.block.header;

        if (hd.chainId != m_chain || hd.height != h)
            return finding(h, "store.column", QStringLiteral("the header is for chain %1 height %2, the row for chain %3 height %4")
                                                  .arg(QString::number(hd.chainId), QString::number(hd.height),
                                                       QString::number(m_chain), QString::number(h)));
        const crypto::Hash256 hash = hd.hash();
        const QByteArray hashColumn = m_rows.value(1).toByteArray();
        if (hashColumn != hash.toByteArray())
            return finding(h, "store.hash_column", QStringLiteral("hash column %1 differs from the header's hash %2")
                                                       .arg(QString::fromLatin1(hashColumn.toHex().left(12)), hash.shortHex()));
        const QByteArray prevColumn = m_rows.value(2).toByteArray();
        if (prevColumn != hd.prevHash.toByteArray())
            return finding(h, "store.prev_hash_column", QStringLiteral("prev_hash column %1 differs from the header's prevHash %2")
                                                            .arg(QString::fromLatin1(prevColumn.toHex().left(12)), hd.prevHash.shortHex()));
        if (m_rows.value(3).toLongLong() != hd.timestampMs)
            return finding(h, "store.column", QStringLiteral("timestamp_ms column differs from the header"));
        if (m_rows.value(4).toString() != hd.billerId)
            return finding(h, "store.column", QStringLiteral("biller column differs from the header"));
        if (m_rows.value(5).toLongLong() != qint64(hd.txCount))
            return finding(h, "store.column", QStringLiteral("tx_count column differs from the header"));
        return std::nullopt;
    }

    std::optional<ValidationFinding> checkIndex(const Entry &e)
    {
        std::optional<ValidationFinding> f;
        const auto indexHeight = [this] { return quint64(m_index.value(0).toLongLong()); };
        while (m_indexValid && indexHeight() < e.height) {
            if (!f)
                f = finding(indexHeight(), "store.index", QStringLiteral("index row for transaction %1 names a block that is not stored")
                                                            .arg(QString::fromLatin1(m_index.value(2).toByteArray().toHex())));
            m_indexValid = m_index.next();
        }
        const QList<ledger::Transaction> &txs = e.block.txs;
        qsizetype n = 0;
        for (; m_indexValid && indexHeight() == e.height; ++n, m_indexValid = m_index.next()) {
            if (f)
                continue; // keep consuming this block's rows
            if (n >= txs.size()) {
                f = finding(e.height, "store.index", QStringLiteral("the index has more rows than the body's %1 transactions")
                                                         .arg(txs.size()));
                continue;
            }
            const ledger::Transaction &tx = txs[n];
            const QByteArray id = m_index.value(2).toByteArray();
            const QByteArray bodyId = tx.id().toByteArray();
            if (m_index.value(1).toLongLong() != n || id != bodyId)
                f = finding(e.height, "store.index", QStringLiteral("index row %1 names transaction %2, the body has %3 there")
                                                         .arg(QString::number(n), QString::fromLatin1(id.toHex().left(12)),
                                                              QString::fromLatin1(bodyId.toHex().left(12))));
            else if (m_index.value(3).toInt() != int(tx.kind) || m_index.value(4).toString() != tx.sender
                     || m_index.value(5).toLongLong() != tx.timestampMs)
                f = finding(e.height, "store.index", QStringLiteral("index row %1 (%2): kind, sender or timestamp differ from the body")
                                                         .arg(QString::number(n), QString::fromLatin1(id.toHex().left(12))));
        }
        if (!f && n < txs.size())
            f = finding(e.height, "store.index", QStringLiteral("the index has %1 rows for the body's %2 transactions")
                                                     .arg(QString::number(n), QString::number(txs.size())));
        return f;
    }

    ChainId m_chain;
    QSqlQuery m_rows;
    QSqlQuery m_index;
    bool m_indexValid = false;
    quint64 m_expected = 0;
    std::optional<ledger::BlockHeader> m_last;
};

constexpr qsizetype ValidationBatch = 100; // blocks per parallel round; also the progress step

} // namespace

Store::ValidationReport Store::validate(const std::function<void(quint64, quint64)> &progress,
                                        const std::atomic_bool *cancel) const
{
    ValidationReport report;
    const auto cancelled = [cancel] { return cancel && cancel->load(); };
    const ledger::ChainValidator validator(keyLookup());

    quint64 total = 0;
    {
        QSqlQuery q = d->query();
        if (q.exec(QStringLiteral("SELECT count(*) FROM blocks")) && q.next())
            total = quint64(q.value(0).toLongLong());
    }
    if (progress)
        progress(0, total);

    // Signature checks dominate; they run on a local pool while SQL reads stay on this thread
    // (the connection belongs to it).
    QThreadPool pool;
    pool.setMaxThreadCount(std::max(1, QThread::idealThreadCount()));

    for (ChainId chain : chains()) {
        if (cancelled()) {
            report.cancelled = true;
            break;
        }
        ChainScan scan(d->db, chain);
        if (auto f = scan.start()) {
            report.findings.append(*f);
            continue;
        }
        bool chainDone = false;
        while (!chainDone) {
            std::vector<Entry> batch;
            batch.reserve(ValidationBatch);
            bool readStop = false;
            while (qsizetype(batch.size()) < ValidationBatch) {
                Entry e;
                if (!scan.next(e)) {
                    readStop = true;
                    break;
                }
                const bool stopHere = e.rowFinding || e.indexFinding;
                batch.push_back(std::move(e));
                if (stopHere) {
                    readStop = true; // no later block can be the chain's first finding
                    break;
                }
            }
            if (batch.empty()) {
                if (auto f = scan.leftoverIndexRows())
                    report.findings.append(*f);
                break;
            }

            for (Entry &e : batch) {
                if (e.rowFinding)
                    continue;
                pool.start([&e, &validator, cancelled] {
                    if (cancelled())
                        return;
                    e.chainFinding = validator.validateBlock(e.block, e.prev ? &*e.prev : nullptr);
                    e.checked = true;
                });
            }
            pool.waitForDone();

            for (const Entry &e : batch) {
                if (!e.rowFinding && !e.checked) {
                    report.cancelled = true;
                    break;
                }
                ++report.blocksChecked;
                const auto &f = e.rowFinding ? e.rowFinding : e.chainFinding ? e.chainFinding : e.indexFinding;
                if (f) {
                    report.findings.append(*f);
                    chainDone = true;
                    break;
                }
            }
            if (progress)
                progress(report.blocksChecked, total);
            if (report.cancelled)
                break;
            if (readStop && !chainDone) {
                if (auto f = scan.leftoverIndexRows())
                    report.findings.append(*f);
                chainDone = true;
            }
        }
        scan.finish();
        if (report.cancelled)
            break;
    }
    if (progress && !report.cancelled)
        progress(total, total);
    return report;
}

// --- meta -------------------------------------------------------------------------------------

Status Store::setMeta(const QString &key, const QString &value)
{
    QSqlQuery q(d->db);
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"));
    q.bindValue(0, nonNull(key));
    q.bindValue(1, nonNull(value));
    if (!q.exec())
        return sqlError(QStringLiteral("store.write"), QStringLiteral("cannot store setting '%1' in %2").arg(key, d->path),
                        q.lastError());
    return okStatus();
}

QString Store::meta(const QString &key, const QString &fallback) const
{
    QSqlQuery q = d->query();
    q.prepare(QStringLiteral("SELECT value FROM meta WHERE key = ?"));
    q.bindValue(0, nonNull(key));
    if (!q.exec() || !q.next())
        return fallback;
    return q.value(0).toString();
}

// --- WriteTransaction -------------------------------------------------------------------------

WriteTransaction::WriteTransaction(QSqlDatabase db)
    : m_db(std::move(db))
{
    // IMMEDIATE takes the write lock now (waiting up to busy_timeout), so a transaction never
    // fails halfway with SQLITE_BUSY when it first writes.
    QSqlQuery q(m_db);
    m_active = q.exec(QStringLiteral("BEGIN IMMEDIATE"));
    if (!m_active)
        m_error = q.lastError().text();
}

WriteTransaction::~WriteTransaction()
{
    if (m_active) {
        QSqlQuery q(m_db);
        q.exec(QStringLiteral("ROLLBACK"));
    }
}

Status WriteTransaction::commit()
{
    if (!m_active)
        return Error{QStringLiteral("store.write"), QStringLiteral("no active write transaction on %1").arg(m_db.databaseName())};
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("COMMIT"))) {
        m_error = q.lastError().text();
        return Error{QStringLiteral("store.write"), QStringLiteral("cannot commit to %1: %2").arg(m_db.databaseName(), m_error)};
    }
    m_active = false;
    return okStatus();
}

} // namespace mg::store
