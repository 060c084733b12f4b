#include "core/auth/auth.h"

#include "core/store/store.h"

#include <algorithm>

namespace mg::auth {

namespace {

Error fail(const char *code, const QString &message)
{
    return Error{QString::fromLatin1(code), message};
}

Roles storedRoles(const store::UserRecord &u)
{
    // A hand-edited, unparsable roles column grants nothing.
    return rolesFromString(u.roles).value_or(Roles());
}

QString rolesPhrase(Roles anyOf)
{
    QStringList names;
    for (Role r : AllRoles) {
        if (anyOf.testFlag(r))
            names.append(roleName(r));
    }
    return names.size() == 1 ? QStringLiteral("the %1 role").arg(names.first())
                             : QStringLiteral("the %1 role").arg(names.join(QLatin1String(" or ")));
}

QStringList unique(const QStringList &list)
{
    QStringList out;
    for (const QString &s : list) {
        if (!out.contains(s))
            out.append(s);
    }
    return out;
}

// No look-alikes (0/O/o, 1/I/l): the generated password is read off a screen and typed.
constexpr char PasswordAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
constexpr int PasswordAlphabetSize = int(sizeof PasswordAlphabet) - 1;

QString generatePassword(int length)
{
    // Rejection sampling keeps every character equally likely.
    constexpr int limit = 256 - 256 % PasswordAlphabetSize;
    QString password;
    while (password.size() < length) {
        for (char c : crypto::randomBytes(length * 2)) {
            const int b = quint8(c);
            if (b < limit && password.size() < length)
                password.append(QLatin1Char(PasswordAlphabet[b % PasswordAlphabetSize]));
        }
    }
    return password;
}

} // namespace

Auth::Auth(store::Store &store, KeyProvider keys, crypto::ScryptParams params, std::function<qint64()> nowMs)
    : m_store(store)
    , m_keys(std::move(keys))
    , m_params(params)
    , m_now(std::move(nowMs))
{
    Q_ASSERT(m_now);
}

bool Auth::isValidName(const QString &name)
{
    if (name.isEmpty() || name.size() > MaxNameLength)
        return false;
    return std::all_of(name.begin(), name.end(), [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'.' || c == u'_'
               || c == u'-';
    });
}

qint64 Auth::lockDurationMs(int failures)
{
    if (failures < MaxFailedLogins)
        return 0;
    const int doublings = std::min(failures - MaxFailedLogins, 20); // 30 s << 20 is far past the cap
    return std::min(FirstLockMs << doublings, MaxLockMs);
}

Status Auth::checkPassword(const QString &password) const
{
    if (password.size() < MinPasswordLength)
        return fail("auth.weak_password", QStringLiteral("a password needs at least %1 characters, got %2")
                                              .arg(MinPasswordLength).arg(password.size()));
    return okStatus();
}

QString Auth::hash(const QString &password) const
{
    return crypto::hashPassword(password, m_params);
}

bool Auth::hasUsers() const
{
    const auto list = m_store.users();
    return list.ok() && !list->isEmpty();
}

Result<QString> Auth::bootstrapAdmin(const QString &password)
{
    const auto existing = m_store.users();
    if (!existing)
        return existing.error();
    if (!existing->isEmpty())
        return fail("auth.exists", QStringLiteral("users already exist (%1); the first admin is created only once")
                                       .arg(existing->size()));
    const QString pw = password.isEmpty() ? generatePassword(GeneratedPasswordLength) : password;
    if (Status st = checkPassword(pw); !st)
        return st.error();
    store::UserRecord admin;
    admin.name = QStringLiteral("admin");
    admin.passwordHash = hash(pw);
    admin.roles = rolesToString(Role::Admin);
    admin.createdMs = m_now();
    if (Status st = m_store.putUser(admin); !st)
        return st.error();
    return pw;
}

Result<Session> Auth::login(const QString &name, const QString &password)
{
    const Error invalid = fail("auth.invalid", QStringLiteral("wrong user name or password"));
    std::optional<store::UserRecord> rec = isValidName(name) ? m_store.user(name) : std::nullopt;
    if (!rec) {
        // Take as long as a wrong password, so the answer's timing does not tell names apart.
        if (m_dummyHash.isEmpty())
            m_dummyHash = hash(QString::fromLatin1(crypto::randomBytes(12).toHex()));
        crypto::verifyPassword(password, m_dummyHash);
        return invalid;
    }

    const qint64 now = m_now();
    if (rec->lockedUntilMs > now) {
        const qint64 seconds = (rec->lockedUntilMs - now + 999) / 1000;
        return fail("auth.locked", QStringLiteral("user '%1' is locked after %2 failed logins; try again in %3 s")
                                       .arg(name).arg(rec->failedLogins).arg(seconds));
    }
    if (!crypto::verifyPassword(password, rec->passwordHash)) {
        ++rec->failedLogins;
        if (const qint64 lock = lockDurationMs(rec->failedLogins); lock > 0)
            rec->lockedUntilMs = now + lock;
        if (Status st = m_store.putUser(*rec); !st)
            return st.error();
        return invalid;
    }
    if (rec->failedLogins != 0 || rec->lockedUntilMs != 0) {
        rec->failedLogins = 0;
        rec->lockedUntilMs = 0;
        if (Status st = m_store.putUser(*rec); !st)
            return st.error();
    }

    Session session;
    session.user = rec->name;
    session.roles = storedRoles(*rec);
    session.nodes = rec->nodes;
    const auto blobs = m_store.keysOf(rec->name);
    if (!blobs)
        return blobs.error();
    for (const QString &node : rec->nodes) {
        const auto it = std::find_if(blobs->begin(), blobs->end(), [&](const auto &b) { return b.first == node; });
        if (it == blobs->end())
            return fail("auth.keystore", QStringLiteral("no key is stored for node '%1' of user '%2'").arg(node, name));
        auto secret = crypto::decryptSecret(it->second, password);
        if (!secret)
            return fail("auth.keystore", QStringLiteral("the key of node '%1' of user '%2' cannot be unlocked: %3")
                                             .arg(node, name, secret.error().message));
        auto key = crypto::KeyPair::fromPrivateKey(*secret);
        if (!key)
            return fail("auth.keystore", QStringLiteral("the stored key of node '%1' of user '%2' is not a key: %3")
                                             .arg(node, name, key.error().message));
        if (const auto roster = m_store.node(node); roster && roster->publicKey != key->publicKey())
            return fail("auth.keystore", QStringLiteral("the stored key of node '%1' of user '%2' does not match the "
                                                        "node's public key in the roster").arg(node, name));
        session.keys.insert(node, *key);
    }
    return session;
}

Status Auth::authorize(const Session &caller, Roles anyOf, const QString &action) const
{
    const auto rec = m_store.user(caller.user);
    const Roles effective = rec ? (caller.roles & storedRoles(*rec)) : Roles();
    if (!(effective & anyOf))
        return fail("auth.forbidden", QStringLiteral("'%1' may not %2: that needs %3")
                                          .arg(caller.user, action, rolesPhrase(anyOf)));
    return okStatus();
}

Result<store::UserRecord> Auth::target(const QString &name) const
{
    auto rec = m_store.user(name);
    if (!rec)
        return fail("auth.unknown_user", QStringLiteral("no user '%1'").arg(name));
    return *rec;
}

Result<int> Auth::adminCount() const
{
    const auto list = m_store.users();
    if (!list)
        return list.error();
    return int(std::count_if(list->begin(), list->end(),
                             [](const store::UserRecord &u) { return storedRoles(u).testFlag(Role::Admin); }));
}

Result<QList<std::pair<QString, QByteArray>>> Auth::bindKeys(const QStringList &nodes, const QString &password) const
{
    QList<std::pair<QString, QByteArray>> blobs;
    for (const QString &node : nodes) {
        const auto rec = node.isEmpty() ? std::nullopt : m_store.node(node);
        if (!rec)
            return fail("auth.unknown_node", QStringLiteral("node '%1' is not in the roster").arg(node));
        const crypto::KeyPair key = m_keys ? m_keys(node) : crypto::KeyPair();
        if (key.isNull())
            return fail("auth.key_mismatch", QStringLiteral("no key is available for node '%1'").arg(node));
        if (key.publicKey() != rec->publicKey)
            return fail("auth.key_mismatch",
                        QStringLiteral("the key available for node '%1' does not match its public key in the roster").arg(node));
        blobs.append({node, crypto::encryptSecret(key.privateKey(), password, m_params)});
    }
    return blobs;
}

Status Auth::addUser(const Session &caller, const QString &name, const QString &password, Roles roles,
                     const QStringList &nodes)
{
    if (Status st = authorize(caller, Role::Admin, QStringLiteral("add users")); !st)
        return st;
    if (!isValidName(name))
        return fail("auth.bad_name", QStringLiteral("user name '%1' must be 1 to %2 characters of A-Z a-z 0-9 . _ -")
                                         .arg(name).arg(MaxNameLength));
    if (Status st = checkPassword(password); !st)
        return st;
    if (m_store.user(name))
        return fail("auth.exists", QStringLiteral("user '%1' already exists").arg(name));
    if (!roles)
        return fail("auth.no_roles", QStringLiteral("user '%1' needs at least one role").arg(name));
    const QStringList bound = unique(nodes);
    if (roles.testFlag(Role::Prosumer) && bound.isEmpty())
        return fail("auth.no_nodes", QStringLiteral("prosumer '%1' needs at least one node").arg(name));
    auto blobs = bindKeys(bound, password);
    if (!blobs)
        return blobs.error();

    store::UserRecord rec;
    rec.name = name;
    rec.passwordHash = hash(password);
    rec.roles = rolesToString(roles);
    rec.nodes = bound;
    rec.createdMs = m_now();
    return m_store.putUserWithKeys(rec, *blobs);
}

Status Auth::setPassword(const Session &caller, const QString &name, const QString &newPassword,
                         const QString &currentPassword)
{
    const bool self = caller.user == name && !currentPassword.isEmpty();
    if (!self) {
        if (Status st = authorize(caller, Role::Admin,
                                  caller.user == name ? QStringLiteral("change a password without the current one")
                                                      : QStringLiteral("change another user's password"));
            !st)
            return st;
    }
    auto rec = target(name);
    if (!rec)
        return self ? Status(fail("auth.invalid", QStringLiteral("wrong user name or password"))) : Status(rec.error());
    if (self && !crypto::verifyPassword(currentPassword, rec->passwordHash))
        return fail("auth.invalid", QStringLiteral("the current password of '%1' is wrong").arg(name));
    if (Status st = checkPassword(newPassword); !st)
        return st;

    QList<std::pair<QString, QByteArray>> blobs;
    if (self) {
        // Re-encrypt what is stored: the keys stay the user's own, no KeyProvider needed.
        const auto stored = m_store.keysOf(name);
        if (!stored)
            return stored.error();
        for (const QString &node : rec->nodes) {
            const auto it = std::find_if(stored->begin(), stored->end(), [&](const auto &b) { return b.first == node; });
            if (it == stored->end())
                return fail("auth.keystore", QStringLiteral("no key is stored for node '%1' of user '%2'").arg(node, name));
            auto secret = crypto::decryptSecret(it->second, currentPassword);
            if (!secret)
                return fail("auth.keystore", QStringLiteral("the key of node '%1' of user '%2' cannot be unlocked: %3")
                                                 .arg(node, name, secret.error().message));
            blobs.append({node, crypto::encryptSecret(*secret, newPassword, m_params)});
        }
    } else {
        // An admin does not know the old password: bind the keys afresh.
        auto bound = bindKeys(rec->nodes, newPassword);
        if (!bound)
            return bound.error();
        blobs = std::move(bound).value();
    }
    store::UserRecord updated = *rec;
    updated.passwordHash = hash(newPassword);
    updated.failedLogins = 0;
    updated.lockedUntilMs = 0;
    return m_store.putUserWithKeys(updated, blobs);
}

Status Auth::setRoles(const Session &caller, const QString &name, Roles roles)
{
    if (Status st = authorize(caller, Role::Admin, QStringLiteral("change roles")); !st)
        return st;
    auto rec = target(name);
    if (!rec)
        return rec.error();
    if (!roles)
        return fail("auth.no_roles", QStringLiteral("user '%1' needs at least one role").arg(name));
    if (storedRoles(*rec).testFlag(Role::Admin) && !roles.testFlag(Role::Admin)) {
        const auto admins = adminCount();
        if (!admins)
            return admins.error();
        if (*admins <= 1)
            return fail("auth.last_admin", QStringLiteral("'%1' is the last admin and keeps the admin role").arg(name));
    }
    if (roles.testFlag(Role::Prosumer) && rec->nodes.isEmpty())
        return fail("auth.no_nodes", QStringLiteral("prosumer '%1' needs at least one node; bind one first").arg(name));
    store::UserRecord updated = *rec;
    updated.roles = rolesToString(roles);
    return m_store.putUser(updated);
}

Status Auth::setNodes(const Session &caller, const QString &name, const QStringList &nodes, const QString &userPassword)
{
    if (Status st = authorize(caller, Role::Admin, QStringLiteral("bind nodes")); !st)
        return st;
    auto rec = target(name);
    if (!rec)
        return rec.error();
    if (!crypto::verifyPassword(userPassword, rec->passwordHash))
        return fail("auth.invalid", QStringLiteral("the password given for '%1' is wrong").arg(name));
    const QStringList bound = unique(nodes);
    if (storedRoles(*rec).testFlag(Role::Prosumer) && bound.isEmpty())
        return fail("auth.no_nodes", QStringLiteral("prosumer '%1' needs at least one node").arg(name));
    auto blobs = bindKeys(bound, userPassword);
    if (!blobs)
        return blobs.error();
    store::UserRecord updated = *rec;
    updated.nodes = bound;
    return m_store.putUserWithKeys(updated, *blobs);
}

Status Auth::removeUser(const Session &caller, const QString &name)
{
    if (Status st = authorize(caller, Role::Admin, QStringLiteral("remove users")); !st)
        return st;
    auto rec = target(name);
    if (!rec)
        return rec.error();
    if (storedRoles(*rec).testFlag(Role::Admin)) {
        const auto admins = adminCount();
        if (!admins)
            return admins.error();
        if (*admins <= 1)
            return fail("auth.last_admin", QStringLiteral("'%1' is the last admin and cannot be removed").arg(name));
    }
    return m_store.removeUser(name);
}

Result<QList<UserInfo>> Auth::users(const Session &caller) const
{
    if (Status st = authorize(caller, Roles(Role::Admin) | Role::Operator, QStringLiteral("list users")); !st)
        return st.error();
    const auto list = m_store.users();
    if (!list)
        return list.error();
    const qint64 now = m_now();
    QList<UserInfo> infos;
    for (const store::UserRecord &u : *list)
        infos.append({u.name, storedRoles(u), u.nodes, u.lockedUntilMs > now, u.lockedUntilMs, u.failedLogins});
    return infos;
}

} // namespace mg::auth
