#include "core/store/migrations.h"

#include "core/ledger/block.h"
#include "core/store/sql_util.h"
#include "core/store/store.h"

#include <QSqlQuery>

#include <array>

namespace mg::store::detail {

namespace {

Status execAll(QSqlDatabase &db, std::initializer_list<const char *> statements, int version)
{
    for (const char *sql : statements) {
        if (Status st = execSql(db, QString::fromLatin1(sql), QStringLiteral("store.migrate"),
                                QStringLiteral("schema v%1: '%2'").arg(QString::number(version), QString::fromLatin1(sql).left(60)));
            !st)
            return st;
    }
    return okStatus();
}

// v1: settings, roster, blocks. Blocks keep the canonical header and body bytes; the other columns
// are copies for queries and are re-checked against the bytes by Store::validate().
Status migrateV1(QSqlDatabase &db)
{
    return execAll(db, {
        "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)",
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT)",
        "CREATE TABLE nodes(id TEXT PRIMARY KEY, name TEXT NOT NULL, public_key BLOB, roles TEXT, "
        "state TEXT, chain_id INTEGER NOT NULL DEFAULT 0, attributes BLOB)",
        "CREATE TABLE blocks(chain_id INTEGER NOT NULL, height INTEGER NOT NULL, hash BLOB NOT NULL UNIQUE, "
        "prev_hash BLOB NOT NULL, timestamp_ms INTEGER NOT NULL, biller TEXT NOT NULL, "
        "tx_count INTEGER NOT NULL, header BLOB NOT NULL, body BLOB NOT NULL, PRIMARY KEY(chain_id, height))",
    }, 1);
}

// v2: the transaction index, backfilled from every stored body. A body that no longer decodes is
// skipped rather than failing the upgrade: validate() reports it with its chain and height, which
// is more useful than a database that refuses to open.
Status migrateV2(QSqlDatabase &db)
{
    Status st = execAll(db, {
        "CREATE TABLE txs(id BLOB PRIMARY KEY, chain_id INTEGER NOT NULL, height INTEGER NOT NULL, "
        "idx INTEGER NOT NULL, kind INTEGER NOT NULL, sender TEXT NOT NULL, timestamp_ms INTEGER NOT NULL)",
        "CREATE INDEX txs_sender ON txs(sender)",
        "CREATE INDEX txs_kind_time ON txs(kind, timestamp_ms)",
        // findTransactions' own order: a time range or "the first N" without a kind filter reads
        // the index in order and stops at the limit instead of sorting the whole table.
        // Timestamps mostly grow, so inserts land at the right edge (cheap per block).
        "CREATE INDEX txs_time ON txs(timestamp_ms, chain_id, height, idx)",
        // (chain_id, height) as asked, plus idx so validate() can stream a chain's rows in order.
        "CREATE INDEX txs_block ON txs(chain_id, height, idx)",
        // WITHOUT ROWID: rows are just the key, so the table is its own index.
        "CREATE TABLE tx_nodes(tx_id BLOB NOT NULL, node_id TEXT NOT NULL, PRIMARY KEY(node_id, tx_id)) WITHOUT ROWID",
    }, 2);
    if (!st)
        return st;

    TxIndexWriter writer(db);
    if (Status p = writer.prepare(); !p)
        return Error{QStringLiteral("store.migrate"), p.error().message};
    QSqlQuery rows(db);
    rows.setForwardOnly(true);
    if (!rows.exec(QStringLiteral("SELECT chain_id, height, body FROM blocks ORDER BY chain_id, height")))
        return sqlError(QStringLiteral("store.migrate"), QStringLiteral("schema v2: cannot read blocks"), rows.lastError());
    while (rows.next()) {
        const auto chain = ledger::ChainId(rows.value(0).toLongLong());
        const auto height = quint64(rows.value(1).toLongLong());
        auto body = ledger::Block::decodeBody(rows.value(2).toByteArray());
        if (!body)
            continue;
        if (Status ix = writer.index(chain, height, *body); !ix)
            return Error{QStringLiteral("store.migrate"), QStringLiteral("schema v2 backfill: ") + ix.error().message};
    }
    if (rows.lastError().isValid())
        return sqlError(QStringLiteral("store.migrate"), QStringLiteral("schema v2: reading blocks"), rows.lastError());
    return okStatus();
}

// v3: console users and their keystore (node keys encrypted under the user's password). A key
// row goes with its user. Node ids are not foreign keys: a user may outlive a node's roster row.
Status migrateV3(QSqlDatabase &db)
{
    return execAll(db, {
        "CREATE TABLE users(name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, roles TEXT NOT NULL, "
        "nodes TEXT NOT NULL DEFAULT '', failed_logins INTEGER NOT NULL DEFAULT 0, "
        "locked_until_ms INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL)",
        "CREATE TABLE keystore(node_id TEXT NOT NULL, user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE, "
        "blob BLOB NOT NULL, PRIMARY KEY(node_id, user_name))",
        // keysOf() and the cascade look rows up by user.
        "CREATE INDEX keystore_user ON keystore(user_name)",
    }, 3);
}

struct Migration
{
    int version;
    Status (*apply)(QSqlDatabase &db);
};

// Adding a schema version: write migrateVn(), append it here, bump Store::SchemaVersion.
constexpr std::array Migrations{
    Migration{1, &migrateV1},
    Migration{2, &migrateV2},
    Migration{3, &migrateV3},
};
static_assert(Migrations.size() == Store::SchemaVersion, "one migration per schema version");

constexpr bool versionsAreConsecutive()
{
    for (size_t i = 0; i < Migrations.size(); ++i) {
        if (Migrations[i].version != int(i) + 1)
            return false;
    }
    return true;
}
static_assert(versionsAreConsecutive());

Status setVersion(QSqlDatabase &db, int version)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("DELETE FROM schema_version")))
        return sqlError(QStringLiteral("store.migrate"), QStringLiteral("cannot record schema version"), q.lastError());
    q.prepare(QStringLiteral("INSERT INTO schema_version(version) VALUES(?)"));
    q.bindValue(0, version);
    if (!q.exec())
        return sqlError(QStringLiteral("store.migrate"), QStringLiteral("cannot record schema version"), q.lastError());
    return okStatus();
}

} // namespace

int latestSchemaVersion()
{
    return Migrations.back().version;
}

Result<int> readSchemaVersion(QSqlDatabase &db, const QString &path)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"))
        || !q.next())
        return sqlError(QStringLiteral("store.open"), QStringLiteral("cannot read %1").arg(path), q.lastError());
    if (q.value(0).toInt() == 0) {
        // No version table: a new file, or another application's database we must not touch.
        if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")) || !q.next())
            return sqlError(QStringLiteral("store.open"), QStringLiteral("cannot read %1").arg(path), q.lastError());
        if (q.value(0).toInt() != 0)
            return Error{QStringLiteral("store.open"),
                         QStringLiteral("%1 is an SQLite database without a schema_version table "
                                        "(not a Microgrid Console store)").arg(path)};
        return 0;
    }
    if (!q.exec(QStringLiteral("SELECT max(version) FROM schema_version")) || !q.next())
        return sqlError(QStringLiteral("store.open"), QStringLiteral("cannot read the schema version of %1").arg(path),
                        q.lastError());
    return q.value(0).toInt();
}

Result<int> migrate(QSqlDatabase &db, const QString &path)
{
    Result<int> current = readSchemaVersion(db, path);
    if (!current)
        return current;
    if (*current > latestSchemaVersion())
        return Error{QStringLiteral("store.schema_too_new"),
                     QStringLiteral("%1 has schema version %2; this build knows versions up to %3")
                         .arg(path, QString::number(*current), QString::number(latestSchemaVersion()))};
    int version = *current;
    for (const Migration &m : Migrations) {
        if (m.version <= version)
            continue;
        WriteTransaction tx(db);
        if (!tx.isActive())
            return Error{QStringLiteral("store.migrate"),
                         QStringLiteral("cannot start migration to v%1 of %2: %3").arg(QString::number(m.version), path, tx.errorString())};
        // Re-read under the write lock: another connection may have migrated meanwhile.
        Result<int> now = readSchemaVersion(db, path);
        if (!now)
            return now;
        if (*now >= m.version) {
            version = *now;
            continue;
        }
        Status st = m.apply(db);
        if (st)
            st = setVersion(db, m.version);
        if (st)
            st = tx.commit();
        if (!st)
            return Error{QStringLiteral("store.migrate"),
                         QStringLiteral("migrating %1 to schema v%2 failed: %3").arg(path, QString::number(m.version), st.error().message)};
        version = m.version;
    }
    return version;
}

} // namespace mg::store::detail
