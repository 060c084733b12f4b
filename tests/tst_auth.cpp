// core/auth: console users, roles, lock-out, node binding and the encrypted keystore.
// Every refusal is checked twice: the error code, and a users/keystore snapshot that must not
// have changed.

#include "store_fixture.h"

#include "core/auth/auth.h"
#include "core/crypto/keystore.h"
#include "core/store/store.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace mg;
using auth::Auth;
using auth::Role;
using auth::Roles;
using auth::Session;
using store::Store;

Q_DECLARE_METATYPE(mg::auth::Roles)

namespace {

const crypto::ScryptParams FastScrypt{10, 8, 1};
const QString AdminPassword = QStringLiteral("admin-password");
const QString UserPassword = QStringLiteral("user-password");

// Everything auth may write, one line per user and per key, for "changed nothing" checks.
QString snapshot(const Store &s)
{
    QStringList lines;
    const auto users = s.users();
    if (!users)
        return QStringLiteral("error: ") + users.errorString();
    for (const store::UserRecord &u : *users) {
        lines.append(QStringList{u.name, u.passwordHash, u.roles, u.nodes.join(QLatin1Char(',')),
                                 QString::number(u.failedLogins), QString::number(u.lockedUntilMs),
                                 QString::number(u.createdMs)}
                         .join(QLatin1Char('|')));
        const auto keys = s.keysOf(u.name);
        if (!keys)
            return QStringLiteral("error: ") + keys.errorString();
        for (const store::KeyBlob &k : *keys)
            lines.append(QStringLiteral("  %1: %2").arg(k.first, QString::fromLatin1(k.second.toHex())));
    }
    return lines.join(QLatin1Char('\n'));
}

#define CHECK_ERROR(result, expectedCode)                                                                 \
    do {                                                                                                  \
        const auto &r_ = (result);                                                                        \
        QVERIFY2(!r_.ok(), "expected a refusal");                                                        \
        QCOMPARE(r_.error().code, QString(expectedCode));                                                 \
        QVERIFY2(!r_.error().message.isEmpty(), qPrintable(r_.errorString()));                            \
    } while (false)

#define CHECK_OK(result)                                                                                  \
    do {                                                                                                  \
        const auto &r_ = (result);                                                                        \
        QVERIFY2(r_.ok(), qPrintable(r_.errorString()));                                                  \
    } while (false)

} // namespace

class TestAuth : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void rolesText_data();
    void rolesText();
    void bootstrap_data();
    void bootstrap();
    void bootstrapTwiceRefused();
    void login_data();
    void login();
    void lockout_data();
    void lockout();
    void lockedRefusesRightPassword();
    void lockPersists();
    void forbidden_data();
    void forbidden();
    void staleOrForgedSession();
    void lastAdmin();
    void bindingRefused_data();
    void bindingRefused();
    void keysUnlockedAtLogin();
    void badStoredBlob_data();
    void badStoredBlob();
    void changeOwnPassword();
    void adminResetsPassword();
    void passwordChangeRefused_data();
    void passwordChangeRefused();
    void passwordChangeIsAtomic();
    void setNodes();
    void setRoles();
    void removeUser();
    void names_data();
    void names();
    void weakPassword_data();
    void weakPassword();
    void listUsers();

private:
    std::unique_ptr<Auth> makeAuth() const
    {
        return std::make_unique<Auth>(*m_store, [this](const QString &node) { return m_keys.value(node); }, FastScrypt,
                                      [this] { return m_now; });
    }
    Session admin(); // bootstraps, logs in
    Session addAndLogin(const Session &admin, const QString &name, Roles roles, const QStringList &nodes = {});

    test::Roster m_roster{6}; // node-00 .. node-05, deterministic keys
    QMap<QString, crypto::KeyPair> m_keys; // what the KeyProvider hands out
    std::unique_ptr<QTemporaryDir> m_tmp;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<Auth> m_auth;
    qint64 m_now = 1'767'225'600'000; // 2026-01-01
};

void TestAuth::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    auto opened = Store::open(m_tmp->path());
    QVERIFY2(opened.ok(), qPrintable(opened.errorString()));
    m_store = std::move(opened).value();
    QVERIFY(m_store->putNodes(m_roster.records()).ok());
    m_keys.clear();
    for (int i = 0; i < m_roster.size(); ++i)
        m_keys.insert(m_roster.id(i), m_roster.key(i));
    m_now = 1'767'225'600'000;
    m_auth = makeAuth();
}

void TestAuth::cleanup()
{
    m_auth.reset();
    m_store.reset();
    m_tmp.reset();
}

Session TestAuth::admin()
{
    if (!m_auth->hasUsers()) {
        const auto pw = m_auth->bootstrapAdmin(AdminPassword);
        if (!pw)
            qFatal("bootstrap: %s", qPrintable(pw.errorString()));
    }
    auto s = m_auth->login(QStringLiteral("admin"), AdminPassword);
    if (!s)
        qFatal("admin login: %s", qPrintable(s.errorString()));
    return *s;
}

Session TestAuth::addAndLogin(const Session &admin, const QString &name, Roles roles, const QStringList &nodes)
{
    if (Status st = m_auth->addUser(admin, name, UserPassword, roles, nodes); !st)
        qFatal("addUser %s: %s", qPrintable(name), qPrintable(st.errorString()));
    auto s = m_auth->login(name, UserPassword);
    if (!s)
        qFatal("login %s: %s", qPrintable(name), qPrintable(s.errorString()));
    return *s;
}

// --- roles --------------------------------------------------------------------------------------

void TestAuth::rolesText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<Roles>("roles");
    QTest::addColumn<QString>("canonical");
    QTest::newRow("empty") << "" << true << Roles() << "";
    QTest::newRow("admin") << "admin" << true << Roles(Role::Admin) << "admin";
    QTest::newRow("order fixed") << "regulator,operator,admin" << true
                                 << (Role::Admin | Role::Operator | Role::Regulator) << "admin,operator,regulator";
    QTest::newRow("case and spaces") << " Prosumer , OPERATOR" << true << (Role::Operator | Role::Prosumer) << "operator,prosumer";
    QTest::newRow("all") << "admin,operator,prosumer,regulator" << true
                         << (Role::Admin | Role::Operator | Role::Prosumer | Role::Regulator)
                         << "admin,operator,prosumer,regulator";
    QTest::newRow("duplicate") << "admin,admin" << true << Roles(Role::Admin) << "admin";
    QTest::newRow("unknown") << "admin,root" << false << Roles() << "";
    QTest::newRow("empty part") << "admin,,operator" << false << Roles() << "";
    QTest::newRow("plural") << "admins" << false << Roles() << "";
}

void TestAuth::rolesText()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(Roles, roles);
    QFETCH(QString, canonical);
    const auto parsed = auth::rolesFromString(text);
    QCOMPARE(parsed.has_value(), valid);
    if (valid) {
        QCOMPARE(*parsed, roles);
        QCOMPARE(auth::rolesToString(*parsed), canonical);
        QCOMPARE(auth::rolesFromString(canonical), parsed); // round trip
    }
    QCOMPARE(auth::roleName(Role::Regulator), QStringLiteral("regulator"));
}

// --- bootstrap and login ------------------------------------------------------------------------

void TestAuth::bootstrap_data()
{
    QTest::addColumn<QString>("given");
    QTest::newRow("given password") << "correct horse battery";
    QTest::newRow("generated password") << "";
}

void TestAuth::bootstrap()
{
    QFETCH(QString, given);
    QVERIFY(!m_auth->hasUsers());
    const auto pw = m_auth->bootstrapAdmin(given);
    CHECK_OK(pw);
    if (given.isEmpty()) {
        QCOMPARE(pw->size(), Auth::GeneratedPasswordLength);
        for (QChar c : *pw)
            QVERIFY2(c.isLetterOrNumber() && !QStringLiteral("0O1lIo").contains(c), qPrintable(*pw));
        CHECK_ERROR(Auth(*m_store, {}, FastScrypt).bootstrapAdmin(), "auth.exists");
    } else {
        QCOMPARE(*pw, given);
    }
    QVERIFY(m_auth->hasUsers());
    const auto rec = m_store->user(QStringLiteral("admin"));
    QVERIFY(rec);
    QCOMPARE(rec->roles, QStringLiteral("admin"));
    QVERIFY(rec->passwordHash.startsWith(QLatin1String("scrypt$10$8$1$"))); // the Auth's params, no plain text
    QVERIFY(!rec->passwordHash.contains(*pw));
    QCOMPARE(rec->createdMs, m_now);

    const auto s = m_auth->login(QStringLiteral("admin"), *pw);
    CHECK_OK(s);
    QCOMPARE(s->user, QStringLiteral("admin"));
    QVERIFY(s->has(Role::Admin));
    QVERIFY(!s->has(Role::Operator));
    QVERIFY(s->nodes.isEmpty());
}

void TestAuth::bootstrapTwiceRefused()
{
    CHECK_OK(m_auth->bootstrapAdmin(AdminPassword));
    const QString before = snapshot(*m_store);
    CHECK_ERROR(m_auth->bootstrapAdmin(QStringLiteral("another-password")), "auth.exists");
    CHECK_ERROR(m_auth->bootstrapAdmin(), "auth.exists");
    QCOMPARE(snapshot(*m_store), before);
    CHECK_OK(m_auth->login(QStringLiteral("admin"), AdminPassword));

    // A weak first password is refused and creates nothing.
    cleanup();
    init();
    CHECK_ERROR(m_auth->bootstrapAdmin(QStringLiteral("short")), "auth.weak_password");
    QVERIFY(!m_auth->hasUsers());
}

void TestAuth::login_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("code"); // empty: success
    QTest::newRow("ok") << "alice" << UserPassword << "";
    QTest::newRow("wrong password") << "alice" << "user-passwort" << "auth.invalid";
    QTest::newRow("empty password") << "alice" << "" << "auth.invalid";
    QTest::newRow("unknown user") << "mallory" << UserPassword << "auth.invalid";
    QTest::newRow("name case differs") << "Alice" << UserPassword << "auth.invalid";
    QTest::newRow("invalid name") << "al ice" << UserPassword << "auth.invalid";
    QTest::newRow("empty name") << "" << UserPassword << "auth.invalid";
}

void TestAuth::login()
{
    QFETCH(QString, name);
    QFETCH(QString, password);
    QFETCH(QString, code);
    const Session a = admin();
    CHECK_OK(m_auth->addUser(a, QStringLiteral("alice"), UserPassword, Role::Operator, {}));
    const auto s = m_auth->login(name, password);
    if (code.isEmpty()) {
        CHECK_OK(s);
        QCOMPARE(s->user, name);
        QCOMPARE(s->roles, Roles(Role::Operator));
        return;
    }
    CHECK_ERROR(s, code);
    // Unknown user and wrong password look the same.
    QCOMPARE(s.error().message, QStringLiteral("wrong user name or password"));
    const std::optional<store::UserRecord> alice = m_store->user(QStringLiteral("alice"));
    QCOMPARE(alice->failedLogins, name == QLatin1String("alice") ? 1 : 0);
}

void TestAuth::lockout_data()
{
    QTest::addColumn<int>("failures");
    QTest::addColumn<int>("lockSeconds"); // after the last failure; 0: not locked
    QTest::newRow("4 failures") << 4 << 0;
    QTest::newRow("5 failures") << 5 << 30;
    QTest::newRow("6 failures") << 6 << 60;
    QTest::newRow("7 failures") << 7 << 120;
    QTest::newRow("9 failures") << 9 << 480;
    QTest::newRow("10 failures: capped") << 10 << 900;
    QTest::newRow("12 failures: capped") << 12 << 900;
}

void TestAuth::lockout()
{
    QFETCH(int, failures);
    QFETCH(int, lockSeconds);
    const Session a = admin();
    CHECK_OK(m_auth->addUser(a, QStringLiteral("bob"), UserPassword, Role::Regulator, {}));
    for (int i = 1; i <= failures; ++i) {
        // Wait out any lock, so every attempt is a real failure.
        const auto rec = m_store->user(QStringLiteral("bob"));
        m_now = std::max(m_now, rec->lockedUntilMs) + 1000;
        CHECK_ERROR(m_auth->login(QStringLiteral("bob"), QStringLiteral("guess-%1").arg(i)), "auth.invalid");
        QCOMPARE(m_store->user(QStringLiteral("bob"))->failedLogins, i);
        const qint64 until = m_store->user(QStringLiteral("bob"))->lockedUntilMs;
        QCOMPARE(until == 0 ? 0 : until - m_now, Auth::lockDurationMs(i));
    }
    const auto rec = m_store->user(QStringLiteral("bob"));
    QCOMPARE(rec->lockedUntilMs == 0 ? 0 : (rec->lockedUntilMs - m_now) / 1000, qint64(lockSeconds));
    if (lockSeconds > 0) {
        const auto locked = m_auth->login(QStringLiteral("bob"), UserPassword);
        CHECK_ERROR(locked, "auth.locked");
        QVERIFY2(locked.error().message.contains(QStringLiteral("%1 s").arg(lockSeconds)), qPrintable(locked.error().message));
        m_now = rec->lockedUntilMs; // the lock is over exactly then
    }
    const auto s = m_auth->login(QStringLiteral("bob"), UserPassword);
    CHECK_OK(s);
    QCOMPARE(m_store->user(QStringLiteral("bob"))->failedLogins, 0); // a success resets the counter
    QCOMPARE(m_store->user(QStringLiteral("bob"))->lockedUntilMs, 0);
}

void TestAuth::lockedRefusesRightPassword()
{
    const Session a = admin();
    CHECK_OK(m_auth->addUser(a, QStringLiteral("bob"), UserPassword, Role::Operator, {}));
    for (int i = 0; i < 5; ++i)
        CHECK_ERROR(m_auth->login(QStringLiteral("bob"), QStringLiteral("wrong-password")), "auth.invalid");
    const QString locked = snapshot(*m_store);
    const qint64 until = m_store->user(QStringLiteral("bob"))->lockedUntilMs;
    QCOMPARE(until, m_now + 30'000);

    m_now += 10'000;
    auto r = m_auth->login(QStringLiteral("bob"), UserPassword);
    CHECK_ERROR(r, "auth.locked");
    QVERIFY2(r.error().message.contains(QLatin1String("20 s")), qPrintable(r.error().message));
    // Attempts while locked (right or wrong) neither count nor extend the lock.
    m_now += 9'500;
    r = m_auth->login(QStringLiteral("bob"), QStringLiteral("wrong-password"));
    CHECK_ERROR(r, "auth.locked");
    QVERIFY2(r.error().message.contains(QLatin1String("11 s")), qPrintable(r.error().message)); // 10.5 s, rounded up
    QCOMPARE(snapshot(*m_store), locked);

    m_now = until - 1;
    CHECK_ERROR(m_auth->login(QStringLiteral("bob"), UserPassword), "auth.locked");
    m_now = until;
    CHECK_OK(m_auth->login(QStringLiteral("bob"), UserPassword));
    // Counter reset: the next lock starts at 30 s again.
    for (int i = 0; i < 5; ++i)
        CHECK_ERROR(m_auth->login(QStringLiteral("bob"), QStringLiteral("wrong-password")), "auth.invalid");
    QCOMPARE(m_store->user(QStringLiteral("bob"))->lockedUntilMs, m_now + 30'000);
}

void TestAuth::lockPersists()
{
    const Session a = admin();
    CHECK_OK(m_auth->addUser(a, QStringLiteral("bob"), UserPassword, Role::Operator, {}));
    for (int i = 0; i < 3; ++i)
        CHECK_ERROR(m_auth->login(QStringLiteral("bob"), QStringLiteral("wrong-password")), "auth.invalid");
    // A restart: new Store connection, new Auth. The count goes on from 3.
    m_auth.reset();
    m_store.reset();
    auto reopened = Store::open(m_tmp->path());
    QVERIFY(reopened.ok());
    m_store = std::move(reopened).value();
    m_auth = makeAuth();
    QCOMPARE(m_store->user(QStringLiteral("bob"))->failedLogins, 3);
    for (int i = 0; i < 2; ++i)
        CHECK_ERROR(m_auth->login(QStringLiteral("bob"), QStringLiteral("wrong-password")), "auth.invalid");

    // And a lock survives a restart too.
    m_auth.reset();
    m_store.reset();
    reopened = Store::open(m_tmp->path());
    QVERIFY(reopened.ok());
    m_store = std::move(reopened).value();
    m_auth = makeAuth();
    m_now += 29'000;
    CHECK_ERROR(m_auth->login(QStringLiteral("bob"), UserPassword), "auth.locked");
    m_now += 1'000;
    CHECK_OK(m_auth->login(QStringLiteral("bob"), UserPassword));
}

// --- authorization ------------------------------------------------------------------------------

void TestAuth::forbidden_data()
{
    QTest::addColumn<Roles>("callerRoles");
    QTest::addColumn<QString>("action");
    QTest::addColumn<bool>("allowed");
    const QList<std::pair<const char *, Roles>> callers{
        {"prosumer", Role::Prosumer}, {"operator", Role::Operator}, {"regulator", Role::Regulator},
        {"operator+regulator+prosumer", Role::Operator | Role::Regulator | Role::Prosumer}};
    for (const auto &[callerName, roles] : callers) {
        for (const char *action : {"addUser", "setRoles", "setNodes", "removeUser", "setPassword", "users"}) {
            const bool allowed = QByteArrayView(action) == "users" && roles.testFlag(Role::Operator);
            QTest::addRow("%s %s", callerName, action) << roles << QString::fromLatin1(action) << allowed;
        }
    }
}

void TestAuth::forbidden()
{
    QFETCH(Roles, callerRoles);
    QFETCH(QString, action);
    QFETCH(bool, allowed);
    const Session a = admin();
    CHECK_OK(m_auth->addUser(a, QStringLiteral("target"), UserPassword, Role::Prosumer, {m_roster.id(1)}));
    const Session caller = addAndLogin(a, QStringLiteral("caller"), callerRoles,
                                       callerRoles.testFlag(Role::Prosumer) ? QStringList{m_roster.id(0)} : QStringList{});
    const QString before = snapshot(*m_store);

    Status st = okStatus();
    if (action == QLatin1String("addUser"))
        st = m_auth->addUser(caller, QStringLiteral("newbie"), UserPassword, Role::Admin, {});
    else if (action == QLatin1String("setRoles"))
        st = m_auth->setRoles(caller, QStringLiteral("target"), Role::Admin | Role::Prosumer);
    else if (action == QLatin1String("setNodes"))
        st = m_auth->setNodes(caller, QStringLiteral("target"), {m_roster.id(2)}, UserPassword);
    else if (action == QLatin1String("removeUser"))
        st = m_auth->removeUser(caller, QStringLiteral("target"));
    else if (action == QLatin1String("setPassword")) // someone else's, without knowing theirs
        st = m_auth->setPassword(caller, QStringLiteral("target"), QStringLiteral("hijacked-password"));
    else if (action == QLatin1String("users")) {
        const auto list = m_auth->users(caller);
        st = list ? okStatus() : Status(list.error());
        if (list)
            QCOMPARE(list->size(), 3);
    }

    if (allowed) {
        CHECK_OK(st);
    } else {
        CHECK_ERROR(st, "auth.forbidden");
        QVERIFY2(st.error().message.contains(QLatin1String("caller")), qPrintable(st.error().message));
        QVERIFY2(st.error().message.contains(QLatin1String("admin")), qPrintable(st.error().message)); // the missing role
    }
    QCOMPARE(snapshot(*m_store), before);
}

void TestAuth::staleOrForgedSession()
{
    const Session a = admin();
    const Session second = addAndLogin(a, QStringLiteral("second"), Role::Admin | Role::Operator);
    // A session made by hand claiming admin for a user who is not one.
    Session forged;
    forged.user = QStringLiteral("nobody");
    forged.roles = Role::Admin;
    const QString before = snapshot(*m_store);
    CHECK_ERROR(m_auth->addUser(forged, QStringLiteral("x"), UserPassword, Role::Admin, {}), "auth.forbidden");
    QCOMPARE(snapshot(*m_store), before);
    forged.user = QStringLiteral("second");
    forged.roles = Role::Admin;
    CHECK_OK(m_auth->users(forged)); // "second" is an admin: a valid claim

    // Demoted: the old session loses the right at once.
    CHECK_OK(m_auth->setRoles(a, QStringLiteral("second"), Role::Operator));
    const QString demoted = snapshot(*m_store);
    CHECK_ERROR(m_auth->addUser(second, QStringLiteral("x"), UserPassword, Role::Admin, {}), "auth.forbidden");
    CHECK_ERROR(m_auth->setRoles(second, QStringLiteral("second"), Role::Admin), "auth.forbidden");
    CHECK_OK(m_auth->users(second)); // still an operator
    QCOMPARE(snapshot(*m_store), demoted);
    // Removed: nothing at all.
    CHECK_OK(m_auth->removeUser(a, QStringLiteral("second")));
    CHECK_ERROR(m_auth->users(second), "auth.forbidden");
}

void TestAuth::lastAdmin()
{
    const Session a = admin();
    const QString before = snapshot(*m_store);
    CHECK_ERROR(m_auth->removeUser(a, QStringLiteral("admin")), "auth.last_admin");
    CHECK_ERROR(m_auth->setRoles(a, QStringLiteral("admin"), Role::Operator), "auth.last_admin");
    QCOMPARE(snapshot(*m_store), before);
    CHECK_OK(m_auth->setRoles(a, QStringLiteral("admin"), Role::Admin | Role::Operator)); // keeps admin: fine

    const Session b = addAndLogin(a, QStringLiteral("bea"), Role::Admin);
    CHECK_OK(m_auth->setRoles(b, QStringLiteral("admin"), Role::Operator)); // two admins: may demote one
    const QString one = snapshot(*m_store);
    CHECK_ERROR(m_auth->removeUser(b, QStringLiteral("bea")), "auth.last_admin");
    CHECK_ERROR(m_auth->setRoles(b, QStringLiteral("bea"), Role::Regulator), "auth.last_admin");
    QCOMPARE(snapshot(*m_store), one);
    CHECK_OK(m_auth->setRoles(b, QStringLiteral("admin"), Role::Admin));
    CHECK_OK(m_auth->removeUser(b, QStringLiteral("bea"))); // an admin may remove themself, not the last
    QVERIFY(!m_store->user(QStringLiteral("bea")));
}

// --- node binding -------------------------------------------------------------------------------

void TestAuth::bindingRefused_data()
{
    QTest::addColumn<Roles>("roles");
    QTest::addColumn<QStringList>("nodes");
    QTest::addColumn<QString>("keyFault"); // "", "none" (no key), "other" (someone else's key)
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("named"); // what the message must name
    QTest::newRow("unknown node") << Roles(Role::Prosumer) << QStringList{"node-01", "node-99"} << "" << "auth.unknown_node" << "node-99";
    QTest::newRow("empty node id") << Roles(Role::Operator) << QStringList{""} << "" << "auth.unknown_node" << "''";
    QTest::newRow("no key for node") << Roles(Role::Prosumer) << QStringList{"node-01", "node-02"} << "none" << "auth.key_mismatch" << "node-02";
    QTest::newRow("wrong key for node") << Roles(Role::Prosumer) << QStringList{"node-02"} << "other" << "auth.key_mismatch" << "node-02";
    QTest::newRow("prosumer without nodes") << Roles(Role::Prosumer) << QStringList{} << "" << "auth.no_nodes" << "prosumer";
    QTest::newRow("no roles") << Roles() << QStringList{"node-01"} << "" << "auth.no_roles" << "carol";
}

void TestAuth::bindingRefused()
{
    QFETCH(Roles, roles);
    QFETCH(QStringList, nodes);
    QFETCH(QString, keyFault);
    QFETCH(QString, code);
    QFETCH(QString, named);
    const Session a = admin();
    CHECK_OK(m_auth->addUser(a, QStringLiteral("dave"), UserPassword, Role::Prosumer, {m_roster.id(3)}));
    if (keyFault == QLatin1String("none"))
        m_keys.remove(QStringLiteral("node-02"));
    else if (keyFault == QLatin1String("other"))
        m_keys[QStringLiteral("node-02")] = m_roster.key(3);
    const QString before = snapshot(*m_store);

    const Status added = m_auth->addUser(a, QStringLiteral("carol"), UserPassword, roles, nodes);
    CHECK_ERROR(added, code);
    QVERIFY2(added.error().message.contains(named), qPrintable(added.error().message));
    QCOMPARE(snapshot(*m_store), before);

    if (roles) {
        const Status rebound = m_auth->setNodes(a, QStringLiteral("dave"), nodes, UserPassword);
        CHECK_ERROR(rebound, code);
        QCOMPARE(snapshot(*m_store), before);
    }
}

void TestAuth::keysUnlockedAtLogin()
{
    const Session a = admin();
    CHECK_OK(m_auth->addUser(a, QStringLiteral("erin"), UserPassword, Role::Prosumer | Role::Operator,
                             {m_roster.id(1), m_roster.id(2), m_roster.id(1)})); // duplicates collapse
    // A node may be bound to several users.
    CHECK_OK(m_auth->addUser(a, QStringLiteral("frank"), QStringLiteral("frank-password"), Role::Prosumer, {m_roster.id(2)}));

    const auto keys = m_store->keysOf(QStringLiteral("erin"));
    QCOMPARE(keys->size(), 2);
    for (const store::KeyBlob &k : *keys) // encrypted: the private key never appears in the row
        QVERIFY(!k.second.contains(m_keys.value(k.first).privateKey()));

    for (const auto &[user, password] : {std::pair{QStringLiteral("erin"), UserPassword},
                                         std::pair{QStringLiteral("frank"), QStringLiteral("frank-password")}}) {
        const auto s = m_auth->login(user, password);
        CHECK_OK(s);
        QVERIFY(s->owns(m_roster.id(2)));
        QVERIFY(!s->owns(m_roster.id(4)));
        for (const QString &node : s->nodes) {
            QVERIFY(s->owns(node));
            const QByteArray message = "order " + node.toUtf8();
            const QByteArray sig = s->keys.value(node).sign(message);
            QVERIFY(crypto::verifySignature(m_store->node(node)->publicKey, message, sig));
        }
    }
    const auto erin = m_auth->login(QStringLiteral("erin"), UserPassword);
    QCOMPARE(erin->nodes, (QStringList{m_roster.id(1), m_roster.id(2)}));
    QCOMPARE(erin->keys.size(), 2);
    QVERIFY(erin->has(Role::Prosumer) && erin->has(Role::Operator) && !erin->has(Role::Admin));
}

void TestAuth::badStoredBlob_data()
{
    QTest::addColumn<QString>("fault");
    QTest::newRow("encrypted under another password") << "password";
    QTest::newRow("another node's key") << "key";
    QTest::newRow("garbage") << "garbage";
    QTest::newRow("flipped byte") << "flip";
    QTest::newRow("missing") << "missing";
}

void TestAuth::badStoredBlob()
{
    QFETCH(QString, fault);
    const Session a = admin();
    CHECK_OK(m_auth->addUser(a, QStringLiteral("gina"), UserPassword, Role::Prosumer, {m_roster.id(1), m_roster.id(2)}));
    const QString node = m_roster.id(2);
    QByteArray blob;
    const auto stored = m_store->keysOf(QStringLiteral("gina"));
    if (fault == QLatin1String("password"))
        blob = crypto::encryptSecret(m_roster.key(2).privateKey(), QStringLiteral("other-password"), FastScrypt);
    else if (fault == QLatin1String("key"))
        blob = crypto::encryptSecret(m_roster.key(4).privateKey(), UserPassword, FastScrypt);
    else if (fault == QLatin1String("garbage"))
        blob = QByteArray("not a key blob");
    else if (fault == QLatin1String("flip")) {
        blob = stored->at(1).second;
        blob[blob.size() - 1] = char(blob[blob.size() - 1] ^ 0x01);
    }
    if (fault == QLatin1String("missing"))
        QVERIFY(m_store->putUserWithKeys(*m_store->user(QStringLiteral("gina")), {stored->at(0)}).ok());
    else
        QVERIFY(m_store->putKey(QStringLiteral("gina"), node, blob).ok());

    const auto s = m_auth->login(QStringLiteral("gina"), UserPassword);
    CHECK_ERROR(s, "auth.keystore");
    QVERIFY2(s.error().message.contains(node), qPrintable(s.error().message));
}

// --- passwords ----------------------------------------------------------------------------------

void TestAuth::changeOwnPassword()
{
    const Session a = admin();
    const Session h = addAndLogin(a, QStringLiteral("hank"), Role::Prosumer, {m_roster.id(1), m_roster.id(3)});
    const auto oldKeys = *m_store->keysOf(QStringLiteral("hank"));
    // The own change needs no KeyProvider: the stored keys are re-encrypted.
    m_keys.clear();
    CHECK_OK(m_auth->setPassword(h, QStringLiteral("hank"), QStringLiteral("new-password"), UserPassword));

    CHECK_ERROR(m_auth->login(QStringLiteral("hank"), UserPassword), "auth.invalid");
    const auto s = m_auth->login(QStringLiteral("hank"), QStringLiteral("new-password"));
    CHECK_OK(s);
    QCOMPARE(s->keys.size(), 2);
    QCOMPARE(s->keys.value(m_roster.id(3)).publicKey(), m_roster.key(3).publicKey());
    const auto newKeys = *m_store->keysOf(QStringLiteral("hank"));
    QCOMPARE(newKeys.size(), oldKeys.size());
    for (const store::KeyBlob &k : newKeys) {
        QVERIFY(!crypto::decryptSecret(k.second, UserPassword).ok()); // nothing left under the old one
        QVERIFY(crypto::decryptSecret(k.second, QStringLiteral("new-password")).ok());
    }
}

void TestAuth::adminResetsPassword()
{
    const Session a = admin();
    CHECK_OK(m_auth->addUser(a, QStringLiteral("ivy"), UserPassword, Role::Prosumer, {m_roster.id(4)}));
    for (int i = 0; i < 5; ++i) // locked out, forgot the password
        CHECK_ERROR(m_auth->login(QStringLiteral("ivy"), QStringLiteral("forgotten-pw")), "auth.invalid");
    CHECK_OK(m_auth->setPassword(a, QStringLiteral("ivy"), QStringLiteral("reset-password")));
    const auto s = m_auth->login(QStringLiteral("ivy"), QStringLiteral("reset-password")); // and unlocked
    CHECK_OK(s);
    QVERIFY(s->owns(m_roster.id(4)));
    CHECK_ERROR(m_auth->login(QStringLiteral("ivy"), UserPassword), "auth.invalid");
    // An admin changing their own password with the current one takes the own path.
    CHECK_OK(m_auth->setPassword(a, QStringLiteral("admin"), QStringLiteral("admin-password-2"), AdminPassword));
    CHECK_OK(m_auth->login(QStringLiteral("admin"), QStringLiteral("admin-password-2")));
}

void TestAuth::passwordChangeRefused_data()
{
    QTest::addColumn<QString>("caller");
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("newPassword");
    QTest::addColumn<QString>("current");
    QTest::addColumn<bool>("dropKey"); // the KeyProvider lost node-01's key
    QTest::addColumn<QString>("code");
    QTest::newRow("wrong current password") << "jack" << "jack" << "new-password" << "not-my-password" << false << "auth.invalid";
    QTest::newRow("no current password") << "jack" << "jack" << "new-password" << "" << false << "auth.forbidden";
    QTest::newRow("weak new password") << "jack" << "jack" << "1234567" << UserPassword << false << "auth.weak_password";
    QTest::newRow("someone else's") << "jack" << "kate" << "new-password" << UserPassword << false << "auth.forbidden";
    QTest::newRow("admin: weak") << "admin" << "jack" << "short" << "" << false << "auth.weak_password";
    QTest::newRow("admin: unknown user") << "admin" << "nobody" << "new-password" << "" << false << "auth.unknown_user";
    QTest::newRow("admin reset: key gone") << "admin" << "jack" << "new-password" << "" << true << "auth.key_mismatch";
}

void TestAuth::passwordChangeRefused()
{
    QFETCH(QString, caller);
    QFETCH(QString, target);
    QFETCH(QString, newPassword);
    QFETCH(QString, current);
    QFETCH(bool, dropKey);
    QFETCH(QString, code);
    const Session a = admin();
    const Session j = addAndLogin(a, QStringLiteral("jack"), Role::Prosumer, {m_roster.id(1)});
    CHECK_OK(m_auth->addUser(a, QStringLiteral("kate"), UserPassword, Role::Prosumer, {m_roster.id(2)}));
    if (dropKey)
        m_keys.remove(m_roster.id(1));
    const QString before = snapshot(*m_store);
    CHECK_ERROR(m_auth->setPassword(caller == QLatin1String("admin") ? a : j, target, newPassword, current), code);
    QCOMPARE(snapshot(*m_store), before);
    CHECK_OK(m_auth->login(QStringLiteral("jack"), UserPassword));
}

void TestAuth::passwordChangeIsAtomic()
{
    const Session a = admin();
    const Session l = addAndLogin(a, QStringLiteral("lena"), Role::Prosumer, {m_roster.id(1), m_roster.id(2), m_roster.id(3)});
    const QString before = snapshot(*m_store);
    {
        // The database refuses the second key row halfway through the rewrite.
        test::RawDb raw(Store::databasePath(m_tmp->path()));
        QString error;
        raw.exec(QStringLiteral("CREATE TRIGGER fail_key BEFORE INSERT ON keystore WHEN NEW.node_id = 'node-02' "
                                "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"),
                 {}, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }
    const Status st = m_auth->setPassword(l, QStringLiteral("lena"), QStringLiteral("new-password"), UserPassword);
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, QStringLiteral("store.write"));
    QCOMPARE(snapshot(*m_store), before);
    // Neither half-changed: the old password still opens every key, the new one nothing.
    const auto s = m_auth->login(QStringLiteral("lena"), UserPassword);
    CHECK_OK(s);
    QCOMPARE(s->keys.size(), 3);
    CHECK_ERROR(m_auth->login(QStringLiteral("lena"), QStringLiteral("new-password")), "auth.invalid");
}

// --- other admin actions ------------------------------------------------------------------------

void TestAuth::setNodes()
{
    const Session a = admin();
    CHECK_OK(m_auth->addUser(a, QStringLiteral("mia"), UserPassword, Role::Operator, {}));
    const QString before = snapshot(*m_store);
    CHECK_ERROR(m_auth->setNodes(a, QStringLiteral("mia"), {m_roster.id(1)}, QStringLiteral("wrong-password")), "auth.invalid");
    CHECK_ERROR(m_auth->setNodes(a, QStringLiteral("nobody"), {m_roster.id(1)}, UserPassword), "auth.unknown_user");
    QCOMPARE(snapshot(*m_store), before);

    CHECK_OK(m_auth->setNodes(a, QStringLiteral("mia"), {m_roster.id(5), m_roster.id(0)}, UserPassword));
    auto s = m_auth->login(QStringLiteral("mia"), UserPassword);
    CHECK_OK(s);
    QCOMPARE(s->nodes, (QStringList{m_roster.id(5), m_roster.id(0)}));
    QVERIFY(s->owns(m_roster.id(5)) && s->owns(m_roster.id(0)));
    // Rebinding replaces the set (and its keys).
    CHECK_OK(m_auth->setNodes(a, QStringLiteral("mia"), {m_roster.id(3)}, UserPassword));
    QCOMPARE(m_store->keysOf(QStringLiteral("mia"))->size(), 1);
    s = m_auth->login(QStringLiteral("mia"), UserPassword);
    QVERIFY(s->owns(m_roster.id(3)) && !s->owns(m_roster.id(5)));
    // A prosumer cannot be left without a node.
    CHECK_OK(m_auth->setRoles(a, QStringLiteral("mia"), Role::Prosumer));
    const QString prosumer = snapshot(*m_store);
    CHECK_ERROR(m_auth->setNodes(a, QStringLiteral("mia"), {}, UserPassword), "auth.no_nodes");
    QCOMPARE(snapshot(*m_store), prosumer);
}

void TestAuth::setRoles()
{
    const Session a = admin();
    CHECK_OK(m_auth->addUser(a, QStringLiteral("ned"), UserPassword, Role::Operator, {}));
    const QString before = snapshot(*m_store);
    CHECK_ERROR(m_auth->setRoles(a, QStringLiteral("ned"), Role::Prosumer), "auth.no_nodes");
    CHECK_ERROR(m_auth->setRoles(a, QStringLiteral("ned"), Roles()), "auth.no_roles");
    CHECK_ERROR(m_auth->setRoles(a, QStringLiteral("nobody"), Role::Operator), "auth.unknown_user");
    QCOMPARE(snapshot(*m_store), before);
    CHECK_OK(m_auth->setRoles(a, QStringLiteral("ned"), Role::Regulator | Role::Operator));
    QCOMPARE(m_store->user(QStringLiteral("ned"))->roles, QStringLiteral("operator,regulator"));
    QCOMPARE(m_auth->login(QStringLiteral("ned"), UserPassword)->roles, Role::Operator | Role::Regulator);
}

void TestAuth::removeUser()
{
    const Session a = admin();
    CHECK_OK(m_auth->addUser(a, QStringLiteral("olga"), UserPassword, Role::Prosumer, {m_roster.id(1)}));
    const QString before = snapshot(*m_store);
    CHECK_ERROR(m_auth->removeUser(a, QStringLiteral("nobody")), "auth.unknown_user");
    QCOMPARE(snapshot(*m_store), before);
    CHECK_OK(m_auth->removeUser(a, QStringLiteral("olga")));
    QVERIFY(!m_store->user(QStringLiteral("olga")));
    QVERIFY(m_store->keysOf(QStringLiteral("olga"))->isEmpty()); // its keys went with it
    CHECK_ERROR(m_auth->login(QStringLiteral("olga"), UserPassword), "auth.invalid");
}

void TestAuth::names_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");
    QTest::newRow("one char") << "a" << true;
    QTest::newRow("all classes") << "A.b_c-9" << true;
    QTest::newRow("64 chars") << QString(64, QLatin1Char('x')) << true;
    QTest::newRow("empty") << "" << false;
    QTest::newRow("65 chars") << QString(65, QLatin1Char('x')) << false;
    QTest::newRow("space") << "bad name" << false;
    QTest::newRow("slash") << "a/b" << false;
    QTest::newRow("comma") << "a,b" << false;
    QTest::newRow("non-ascii letter") << QStringLiteral("j\u00fcrgen") << false;
}

void TestAuth::names()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    const Session a = admin();
    const QString before = snapshot(*m_store);
    const Status st = m_auth->addUser(a, name, UserPassword, Role::Operator, {});
    QCOMPARE(Auth::isValidName(name), valid);
    if (valid) {
        CHECK_OK(st);
        CHECK_OK(m_auth->login(name, UserPassword));
        CHECK_ERROR(m_auth->addUser(a, name, UserPassword, Role::Operator, {}), "auth.exists");
    } else {
        CHECK_ERROR(st, "auth.bad_name");
        QCOMPARE(snapshot(*m_store), before);
    }
}

void TestAuth::weakPassword_data()
{
    QTest::addColumn<QString>("password");
    QTest::addColumn<bool>("valid");
    QTest::newRow("empty") << "" << false;
    QTest::newRow("7 chars") << "1234567" << false;
    QTest::newRow("8 chars") << "12345678" << true;
    QTest::newRow("long, non-ascii") << QStringLiteral("p\u00e4sswort mit leerzeichen") << true;
}

void TestAuth::weakPassword()
{
    QFETCH(QString, password);
    QFETCH(bool, valid);
    const Session a = admin();
    const QString before = snapshot(*m_store);
    const Status st = m_auth->addUser(a, QStringLiteral("pia"), password, Role::Prosumer, {m_roster.id(1)});
    if (valid) {
        CHECK_OK(st);
        const auto s = m_auth->login(QStringLiteral("pia"), password);
        CHECK_OK(s);
        QVERIFY(s->owns(m_roster.id(1)));
    } else {
        CHECK_ERROR(st, "auth.weak_password");
        QCOMPARE(snapshot(*m_store), before);
    }
}

void TestAuth::listUsers()
{
    const Session a = admin();
    const Session op = addAndLogin(a, QStringLiteral("quinn"), Role::Operator);
    CHECK_OK(m_auth->addUser(a, QStringLiteral("ray"), UserPassword, Role::Prosumer, {m_roster.id(2), m_roster.id(1)}));
    for (int i = 0; i < 5; ++i)
        CHECK_ERROR(m_auth->login(QStringLiteral("ray"), QStringLiteral("wrong-password")), "auth.invalid");
    const auto list = m_auth->users(op);
    CHECK_OK(list);
    QCOMPARE(list->size(), 3);
    QCOMPARE(list->at(0).name, QStringLiteral("admin"));
    QCOMPARE(list->at(2).name, QStringLiteral("ray"));
    QCOMPARE(list->at(2).roles, Roles(Role::Prosumer));
    QCOMPARE(list->at(2).nodes, (QStringList{m_roster.id(2), m_roster.id(1)}));
    QVERIFY(list->at(2).locked);
    QCOMPARE(list->at(2).failedLogins, 5);
    QCOMPARE(list->at(2).lockedUntilMs, m_now + 30'000);
    QVERIFY(!list->at(1).locked);
    m_now += 30'000;
    QVERIFY(!m_auth->users(a)->at(2).locked);
}

QTEST_GUILESS_MAIN(TestAuth)
#include "tst_auth.moc"
