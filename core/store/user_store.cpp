// Store: the users and keystore tables (schema v3). The rules (who may do what, password
// hashing, key encryption) live in core/auth; this file only reads and writes rows.

#include "core/store/sql_util.h"
#include "core/store/store.h"

#include <QSqlError>
#include <QSqlQuery>

namespace mg::store {

using detail::sqlError;

namespace {

constexpr auto UserColumns = "name, password_hash, roles, nodes, failed_logins, locked_until_ms, created_ms";

// Qt binds a null QString as SQL NULL; the text columns are NOT NULL.
QString nonNull(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

UserRecord userFromRow(const QSqlQuery &q)
{
    UserRecord u;
    u.name = q.value(0).toString();
    u.passwordHash = q.value(1).toString();
    u.roles = q.value(2).toString();
    u.nodes = q.value(3).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
    u.failedLogins = q.value(4).toInt();
    u.lockedUntilMs = q.value(5).toLongLong();
    u.createdMs = q.value(6).toLongLong();
    return u;
}

QSqlQuery readQuery(const QSqlDatabase &db)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    return q;
}

Status writeError(const QString &what, const QString &path, const QSqlQuery &q)
{
    return sqlError(QStringLiteral("store.write"), QStringLiteral("%1 in %2").arg(what, path), q.lastError());
}

// The nodes column is a comma-separated list, so an id must not contain a comma.
Status checkNodes(const UserRecord &user)
{
    for (const QString &node : user.nodes) {
        if (node.isEmpty() || node.contains(QLatin1Char(',')))
            return Error{QStringLiteral("store.write"),
                         QStringLiteral("user '%1': node id '%2' cannot be stored (empty or has a comma)").arg(user.name, node)};
    }
    return okStatus();
}

// UPSERT rather than INSERT OR REPLACE: REPLACE deletes the old row first, and the delete would
// cascade to the user's keystore rows.
Status upsertUser(QSqlDatabase db, const UserRecord &u, const QString &path)
{
    if (Status st = checkNodes(u); !st)
        return st;
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO users(%1) VALUES(?, ?, ?, ?, ?, ?, ?) "
                             "ON CONFLICT(name) DO UPDATE SET password_hash = excluded.password_hash, "
                             "roles = excluded.roles, nodes = excluded.nodes, failed_logins = excluded.failed_logins, "
                             "locked_until_ms = excluded.locked_until_ms, created_ms = excluded.created_ms")
                  .arg(QLatin1String(UserColumns)));
    q.bindValue(0, nonNull(u.name));
    q.bindValue(1, nonNull(u.passwordHash));
    q.bindValue(2, nonNull(u.roles));
    q.bindValue(3, nonNull(u.nodes.join(QLatin1Char(','))));
    q.bindValue(4, u.failedLogins);
    q.bindValue(5, u.lockedUntilMs);
    q.bindValue(6, u.createdMs);
    if (!q.exec())
        return writeError(QStringLiteral("cannot store user '%1'").arg(u.name), path, q);
    return okStatus();
}

Status deleteKeys(QSqlDatabase db, const QString &user, const QString &path)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("DELETE FROM keystore WHERE user_name = ?"));
    q.bindValue(0, nonNull(user));
    if (!q.exec())
        return writeError(QStringLiteral("cannot remove the keys of user '%1'").arg(user), path, q);
    return okStatus();
}

Status insertKey(QSqlDatabase db, const QString &user, const QString &node, const QByteArray &blob, const QString &path)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO keystore(node_id, user_name, blob) VALUES(?, ?, ?)"));
    q.bindValue(0, nonNull(node));
    q.bindValue(1, nonNull(user));
    q.bindValue(2, blob.isNull() ? QByteArray("") : blob);
    if (!q.exec())
        return writeError(QStringLiteral("cannot store the key of node '%1' for user '%2'").arg(node, user), path, q);
    return okStatus();
}

} // namespace


Status Store::putUser(const UserRecord &user)
{
    // One statement: SQLite's autocommit makes it atomic on its own.
    return upsertUser(database(), user, databasePath(dataDir()));
}

std::optional<UserRecord> Store::user(const QString &name) const
{
    QSqlQuery q = readQuery(database());
    q.prepare(QStringLiteral("SELECT %1 FROM users WHERE name = ?").arg(QLatin1String(UserColumns)));
    q.bindValue(0, nonNull(name));
    if (!q.exec() || !q.next())
        return std::nullopt;
    return userFromRow(q);
}

Result<QList<UserRecord>> Store::users() const
{
    QSqlQuery q = readQuery(database());
    if (!q.exec(QStringLiteral("SELECT %1 FROM users ORDER BY name").arg(QLatin1String(UserColumns))))
        return sqlError(QStringLiteral("store.read"), QStringLiteral("cannot read users (%1)").arg(databasePath(dataDir())),
                        q.lastError());
    QList<UserRecord> list;
    while (q.next())
        list.append(userFromRow(q));
    return list;
}

Status Store::removeUser(const QString &name)
{
    WriteTransaction tx(database());
    if (!tx.isActive())
        return Error{QStringLiteral("store.write"),
                     QStringLiteral("cannot write to %1: %2").arg(databasePath(dataDir()), tx.errorString())};
    const QString path = databasePath(dataDir());
    // The cascade would do it, but only while foreign_keys is on for this connection.
    if (Status st = deleteKeys(database(), name, path); !st)
        return st;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("DELETE FROM users WHERE name = ?"));
    q.bindValue(0, nonNull(name));
    if (!q.exec())
        return writeError(QStringLiteral("cannot remove user '%1'").arg(name), path, q);
    return tx.commit();
}

Status Store::putKey(const QString &user, const QString &node, const QByteArray &blob)
{
    return insertKey(database(), user, node, blob, databasePath(dataDir()));
}

Result<QList<KeyBlob>> Store::keysOf(const QString &user) const
{
    QSqlQuery q = readQuery(database());
    q.prepare(QStringLiteral("SELECT node_id, blob FROM keystore WHERE user_name = ? ORDER BY node_id"));
    q.bindValue(0, nonNull(user));
    if (!q.exec())
        return sqlError(QStringLiteral("store.read"),
                        QStringLiteral("cannot read the keys of user '%1' (%2)").arg(user, databasePath(dataDir())),
                        q.lastError());
    QList<KeyBlob> list;
    while (q.next())
        list.append({q.value(0).toString(), q.value(1).toByteArray()});
    return list;
}

Status Store::removeKeys(const QString &user)
{
    return deleteKeys(database(), user, databasePath(dataDir()));
}

Status Store::putUserWithKeys(const UserRecord &user, const QList<KeyBlob> &keys)
{
    WriteTransaction tx(database());
    if (!tx.isActive())
        return Error{QStringLiteral("store.write"),
                     QStringLiteral("cannot write to %1: %2").arg(databasePath(dataDir()), tx.errorString())};
    const QString path = databasePath(dataDir());
    if (Status st = upsertUser(database(), user, path); !st)
        return st;
    if (Status st = deleteKeys(database(), user.name, path); !st)
        return st;
    for (const KeyBlob &k : keys) {
        if (Status st = insertKey(database(), user.name, k.first, k.second, path); !st)
            return st;
    }
    return tx.commit();
}

} // namespace mg::store
