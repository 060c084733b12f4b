#pragma once

#include "core/auth/roles.h"
#include "core/common/result.h"
#include "core/crypto/keys.h"
#include "core/crypto/keystore.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <functional>

namespace mg::store { class Store; struct UserRecord; }

namespace mg::auth {

// Who is calling core commands: made by Auth::login().
struct Session
{
    QString user;
    Roles roles;
    QStringList nodes;                   // bound nodes
    QMap<QString, crypto::KeyPair> keys; // the bound nodes' keys, unlocked at login

    bool has(Role r) const { return roles.testFlag(r); }
    // The node is bound to this user and its key was unlocked.
    bool owns(const QString &node) const { return nodes.contains(node) && !keys.value(node).isNull(); }
};

struct UserInfo
{
    QString name;
    Roles roles;
    QStringList nodes;
    bool locked = false;
    qint64 lockedUntilMs = 0;
    int failedLogins = 0;
};

// Console users over the store's users and keystore tables.
//
// Error codes: auth.invalid (wrong user name or password; also a wrong current password),
// auth.locked (too many failed logins; names the seconds left), auth.keystore (a bound node's
// key cannot be unlocked or does not match the roster), auth.forbidden (the caller lacks the
// role; names the action and the role), auth.exists, auth.unknown_user, auth.bad_name,
// auth.weak_password, auth.no_roles, auth.no_nodes (a prosumer needs a node),
// auth.unknown_node, auth.key_mismatch (no key for the node, or not the roster's key),
// auth.last_admin, and store.* when the database fails.
//
// Every refusal leaves the store unchanged; the one thing a failed call writes is a failed
// login's counter and lock. Authorization uses the caller's roles as stored now, intersected
// with the session's, so a demoted or removed user's old Session loses its rights at once.
// Checks and writes are not one transaction: two admins racing (e.g. both removing one of the
// last two admins) from two processes could slip past the last-admin check.
class Auth
{
public:
    // A node's key for binding it to a user (a null KeyPair when unknown).
    using KeyProvider = std::function<crypto::KeyPair(const QString &node)>;

    static constexpr int MinPasswordLength = 8;
    static constexpr int MaxNameLength = 64;
    static constexpr int MaxFailedLogins = 5;        // the 5th consecutive failure locks
    static constexpr qint64 FirstLockMs = 30'000;    // then doubling with each further failure
    static constexpr qint64 MaxLockMs = 15 * 60'000; // ... up to this
    static constexpr int GeneratedPasswordLength = 16;

    Auth(store::Store &store, KeyProvider keys, crypto::ScryptParams params = {},
         std::function<qint64()> nowMs = &QDateTime::currentMSecsSinceEpoch);

    bool hasUsers() const;

    // First start: creates user "admin" (role admin) with `password`, or with a generated one
    // (GeneratedPasswordLength characters from an alphabet without look-alikes) when empty.
    // Returns the password used, so a generated one can be shown once. auth.exists when any
    // user exists.
    Result<QString> bootstrapAdmin(const QString &password = {});

    // Unknown user and wrong password give the same auth.invalid. A correct password resets the
    // failure counter even when a bound key then fails to unlock (auth.keystore).
    Result<Session> login(const QString &name, const QString &password);

    // Admin only. nodes: node ids bound to the new user (their keys from the KeyProvider,
    // encrypted under `password`).
    Status addUser(const Session &caller, const QString &name, const QString &password, Roles roles,
                   const QStringList &nodes);
    // The user themself with the correct currentPassword (keys are re-encrypted), or an admin
    // (a reset: keys are re-bound from the KeyProvider). Either way the lock is cleared.
    Status setPassword(const Session &caller, const QString &name, const QString &newPassword,
                       const QString &currentPassword = {});
    Status setRoles(const Session &caller, const QString &name, Roles roles); // admin only
    // Admin only; userPassword is the target user's password, to encrypt the keys.
    Status setNodes(const Session &caller, const QString &name, const QStringList &nodes, const QString &userPassword);
    Status removeUser(const Session &caller, const QString &name); // admin only
    Result<QList<UserInfo>> users(const Session &caller) const;    // admin or operator

    static bool isValidName(const QString &name);
    // Lock length after `failures` consecutive failures (0 below MaxFailedLogins).
    static qint64 lockDurationMs(int failures);

private:
    Status authorize(const Session &caller, Roles anyOf, const QString &action) const;
    Result<store::UserRecord> target(const QString &name) const;
    Result<int> adminCount() const;
    // Checks the nodes (roster, KeyProvider) and encrypts their keys under password.
    Result<QList<std::pair<QString, QByteArray>>> bindKeys(const QStringList &nodes, const QString &password) const;
    Status checkPassword(const QString &password) const;
    QString hash(const QString &password) const;

    store::Store &m_store;
    KeyProvider m_keys;
    crypto::ScryptParams m_params;
    std::function<qint64()> m_now;
    mutable QString m_dummyHash; // verified against for unknown users, so they take as long
};

} // namespace mg::auth
