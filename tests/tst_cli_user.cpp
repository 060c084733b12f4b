// `microgrid-cli user ...` end to end on a data directory written by `microgrid-cli run`:
// the happy paths, and refusals that exit 2 with a one-line reason and leave `user list` as it was.

#include "core/store/store.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace mg;
using mg::store::Store;

namespace {

const QString AdminPassword = QStringLiteral("admin-password");
const QString AlicePassword = QStringLiteral("alice-password");
const QString BobPassword = QStringLiteral("bob-password");

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

// Runs the CLI with MG_SCRYPT_LOG2N=10; env adds variables (MG_PASSWORD...), stdinText is fed
// and closed (the CLI reads passwords from stdin when a variable is unset).
Run runCli(const QStringList &args, const QMap<QString, QString> &env = {}, const QByteArray &stdinText = {})
{
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.remove(QStringLiteral("MG_PASSWORD"));
    e.remove(QStringLiteral("MG_NEW_PASSWORD"));
    e.insert(QStringLiteral("MG_SCRYPT_LOG2N"), QStringLiteral("10"));
    for (auto it = env.cbegin(); it != env.cend(); ++it)
        e.insert(it.key(), it.value());
    QProcess p;
    p.setProcessEnvironment(e);
    p.start(QStringLiteral(MG_TEST_CLI), args);
    Run r;
    if (!p.waitForStarted(10000))
        return r;
    p.write(stdinText);
    p.closeWriteChannel();
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.exitCode = p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QString describe(const Run &r)
{
    return QStringLiteral("exit %1\nstdout: %2\nstderr: %3").arg(r.exitCode).arg(r.out, r.err);
}

bool copyDir(const QString &from, const QString &to)
{
    if (!QDir().mkpath(to))
        return false;
    for (const QFileInfo &f : QDir(from).entryInfoList(QDir::Files)) {
        if (!QFile::copy(f.filePath(), QDir(to).filePath(f.fileName())))
            return false;
    }
    return true;
}

using Env = QMap<QString, QString>;

Env asCaller(const QString &password, const QString &newPassword = {})
{
    Env env{{QStringLiteral("MG_PASSWORD"), password}};
    if (!newPassword.isNull())
        env.insert(QStringLiteral("MG_NEW_PASSWORD"), newPassword);
    return env;
}

} // namespace

class TestCliUser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void initAdmin_data();
    void initAdmin();
    void happyPaths();
    void passwordsFromStdin();
    void refusals_data();
    void refusals();
    void missingStore();

private:
    // A fresh copy of a prepared directory.
    QString copyOf(const QString &templateDir, const QString &name);
    // `user list --json --as admin`, parsed; a failed run gives an empty array and a warning.
    QJsonArray list(const QString &dir, const QString &adminPassword = AdminPassword);

    QTemporaryDir m_tmp;
    QString m_ran;   // after `run`: nodes and the seed, no users
    QString m_users; // m_ran plus admin, alice (prosumer on node 0), bob (operator)
    QStringList m_nodes;
};

QString TestCliUser::copyOf(const QString &templateDir, const QString &name)
{
    const QString dir = m_tmp.filePath(name);
    if (!copyDir(templateDir, dir))
        qWarning("cannot copy %s to %s", qPrintable(templateDir), qPrintable(dir));
    return dir;
}

QJsonArray TestCliUser::list(const QString &dir, const QString &adminPassword)
{
    const Run r = runCli({QStringLiteral("user"), QStringLiteral("list"), QStringLiteral("--json"), QStringLiteral("--data"), dir,
                          QStringLiteral("--as"), QStringLiteral("admin")},
                         asCaller(adminPassword));
    if (r.exitCode != 0) {
        qWarning("user list failed: %s", qPrintable(describe(r)));
        return {};
    }
    return QJsonDocument::fromJson(r.out.toUtf8()).object().value(QStringLiteral("users")).toArray();
}

void TestCliUser::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_ran = m_tmp.filePath(QStringLiteral("ran"));
    const Run ran = runCli({QStringLiteral("run"), QStringLiteral("--duration"), QStringLiteral("5"), QStringLiteral("--virtual"),
                            QStringLiteral("--groups"), QStringLiteral("2"), QStringLiteral("--data"), m_ran});
    QVERIFY2(ran.exitCode == 0, qPrintable(describe(ran)));
    {
        auto store = Store::open(m_ran, Store::Options{.readOnly = false, .create = false});
        QVERIFY2(store.ok(), qPrintable(store.errorString()));
        // The engine records its seed: the CLI derives node keys from it to bind them.
        QVERIFY2(!(*store)->meta(QStringLiteral("seed")).isEmpty(), "'run --data' did not write the 'seed' meta");
        const auto nodes = (*store)->nodes();
        QVERIFY(nodes.ok() && nodes->size() >= 4);
        for (const store::NodeRecord &n : *nodes)
            m_nodes.append(n.id);
    }

    m_users = copyOf(m_ran, QStringLiteral("users"));
    const QString data = m_users;
    Run r = runCli({"user", "init", "--password-from-env", "--data", data}, {{"MG_NEW_PASSWORD", AdminPassword}});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    r = runCli({"user", "add", "alice", "--roles", "prosumer", "--nodes", m_nodes[0], "--data", data, "--as", "admin"},
               asCaller(AdminPassword, AlicePassword));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    r = runCli({"user", "add", "bob", "--roles", "operator", "--data", data, "--as", "admin"}, asCaller(AdminPassword, BobPassword));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QCOMPARE(list(data).size(), 3);
}

void TestCliUser::initAdmin_data()
{
    QTest::addColumn<bool>("fromEnv");
    QTest::newRow("generated password") << false;
    QTest::newRow("password from env") << true;
}

void TestCliUser::initAdmin()
{
    QFETCH(bool, fromEnv);
    const QString dir = copyOf(m_ran, QStringLiteral("init-%1").arg(fromEnv));
    QStringList args{"user", "init", "--data", dir};
    if (fromEnv)
        args.append(QStringLiteral("--password-from-env"));
    const Run r = runCli(args, fromEnv ? Env{{"MG_NEW_PASSWORD", AdminPassword}} : Env{});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));

    QString password = AdminPassword;
    const QRegularExpression shown(QStringLiteral("^admin password: (\\S+)$"), QRegularExpression::MultilineOption);
    const auto m = shown.match(r.out);
    if (fromEnv) {
        QVERIFY2(!m.hasMatch(), qPrintable(r.out)); // a password the user chose is not echoed
    } else {
        QVERIFY2(m.hasMatch(), qPrintable(r.out));
        password = m.captured(1);
        QCOMPARE(password.size(), 16);
        QCOMPARE(r.out.count(password), 1); // shown once
    }
    const QJsonArray users = list(dir, password);
    QCOMPARE(users.size(), 1);
    QCOMPARE(users[0].toObject().value(QStringLiteral("name")).toString(), QStringLiteral("admin"));
    QCOMPARE(users[0].toObject().value(QStringLiteral("roles")).toArray(), QJsonArray{QStringLiteral("admin")});

    // Only once.
    const Run again = runCli({"user", "init", "--data", dir});
    QCOMPARE(again.exitCode, 2);
    QVERIFY2(again.err.contains(QLatin1String("already has users")), qPrintable(describe(again)));
    QVERIFY(again.out.isEmpty());
    QCOMPARE(list(dir, password).size(), 1);
}

void TestCliUser::happyPaths()
{
    const QString dir = copyOf(m_users, QStringLiteral("happy"));
    const auto user = [&](const QStringList &args, const Env &env) {
        return runCli(QStringList{QStringLiteral("user")} + args + QStringList{QStringLiteral("--data"), dir}, env);
    };

    Run r = user({"add", "carol", "--roles", "prosumer,operator", "--nodes", m_nodes[1] + ',' + m_nodes[2], "--as", "admin"},
                 asCaller(AdminPassword, QStringLiteral("carol-password")));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QVERIFY2(r.out.contains(QLatin1String("added user 'carol'")), qPrintable(r.out));

    // An operator may list; the text form names roles and nodes.
    r = user({"list", "--as", "carol"}, asCaller(QStringLiteral("carol-password")));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QCOMPARE(r.out.count(QLatin1Char('\n')), 4);
    QVERIFY2(r.out.contains(QStringLiteral("carol  roles: operator,prosumer  nodes: %1,%2").arg(m_nodes[1], m_nodes[2])),
             qPrintable(r.out));

    // Own password: carol keeps her keys (re-encrypted), the old password stops working.
    r = user({"passwd", "carol", "--as", "carol"}, asCaller(QStringLiteral("carol-password"), QStringLiteral("carol-password-2")));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    r = user({"list", "--as", "carol"}, asCaller(QStringLiteral("carol-password")));
    QCOMPARE(r.exitCode, 2);
    r = user({"list", "--as", "carol"}, asCaller(QStringLiteral("carol-password-2")));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));

    // Admin reset of bob's password.
    r = user({"passwd", "bob", "--as", "admin"}, asCaller(AdminPassword, QStringLiteral("bob-password-2")));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    r = user({"list", "--as", "bob"}, asCaller(QStringLiteral("bob-password-2")));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));

    // Roles, nodes (the user's password as the new-password input), remove.
    r = user({"roles", "bob", "--roles", "regulator,operator", "--as", "admin"}, asCaller(AdminPassword));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    r = user({"nodes", "alice", "--nodes", m_nodes[3], "--as", "admin"}, asCaller(AdminPassword, AlicePassword));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    r = user({"remove", "carol", "--as", "admin"}, asCaller(AdminPassword));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));

    const QJsonArray users = list(dir);
    QCOMPARE(users.size(), 3);
    QMap<QString, QJsonObject> byName;
    for (const QJsonValue &v : users)
        byName.insert(v.toObject().value(QStringLiteral("name")).toString(), v.toObject());
    QCOMPARE(byName.keys(), (QStringList{"admin", "alice", "bob"}));
    QCOMPARE(byName["bob"].value(QStringLiteral("roles")).toArray(), (QJsonArray{"operator", "regulator"}));
    QCOMPARE(byName["alice"].value(QStringLiteral("nodes")).toArray(), QJsonArray{m_nodes[3]});
    QCOMPARE(byName["alice"].value(QStringLiteral("roles")).toArray(), QJsonArray{"prosumer"});
    QCOMPARE(byName["alice"].value(QStringLiteral("locked")).toBool(), false);
}

void TestCliUser::passwordsFromStdin()
{
    const QString dir = copyOf(m_users, QStringLiteral("stdin"));
    // Caller's password on the first line, the new user's on the second.
    Run r = runCli({"user", "add", "dora", "--roles", "regulator", "--data", dir, "--as", "admin"}, {},
                   QString(AdminPassword + "\ndora-password\n").toUtf8());
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QVERIFY2(!r.out.contains(QLatin1String("dora-password")) && !r.err.contains(QLatin1String("dora-password")),
             qPrintable(describe(r)));
    // MG_PASSWORD set: the first stdin line is then the new password.
    r = runCli({"user", "passwd", "dora", "--data", dir, "--as", "dora"}, asCaller(QStringLiteral("dora-password")),
               "dora-password-2\n");
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    r = runCli({"user", "passwd", "dora", "--data", dir, "--as", "dora"}, {}, "dora-password-2\nnew-one-3\n");
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    // No input at all: a usage error, not an empty password.
    r = runCli({"user", "list", "--data", dir, "--as", "admin"});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("MG_PASSWORD")), qPrintable(describe(r)));
    r = runCli({"user", "add", "eve", "--roles", "operator", "--data", dir, "--as", "admin"}, asCaller(AdminPassword));
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("MG_NEW_PASSWORD")), qPrintable(describe(r)));
    QCOMPARE(list(dir).size(), 4);
}

void TestCliUser::refusals_data()
{
    QTest::addColumn<QStringList>("args"); // after "user"; "--data DIR" is appended
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("newPassword");
    QTest::addColumn<QString>("expected");      // in the one-line error
    QTest::addColumn<QString>("failedLoginOf"); // a wrong caller password is counted, nothing else changes

    const QString node0 = QStringLiteral("@0"), missing = QStringLiteral("NODE-THAT-DOES-NOT-EXIST");
    QTest::newRow("operator adds") << QStringList{"add", "x", "--roles", "admin", "--as", "bob"} << BobPassword
                                   << "new-password" << "needs the admin role" << "";
    QTest::newRow("prosumer lists") << QStringList{"list", "--as", "alice"} << AlicePassword << "" << "'alice' may not list users" << "";
    QTest::newRow("operator resets a password") << QStringList{"passwd", "alice", "--as", "bob"} << BobPassword
                                                << "hijacked-pw" << "needs the admin role" << "";
    QTest::newRow("operator changes roles") << QStringList{"roles", "bob", "--roles", "admin", "--as", "bob"} << BobPassword
                                            << "" << "needs the admin role" << "";
    QTest::newRow("operator removes") << QStringList{"remove", "alice", "--as", "bob"} << BobPassword << "" << "needs the admin role" << "";
    QTest::newRow("wrong caller password") << QStringList{"add", "x", "--roles", "operator", "--as", "bob"} << "not-bobs-password"
                                           << "new-password" << "wrong user name or password" << "bob";
    QTest::newRow("unknown caller") << QStringList{"add", "x", "--roles", "operator", "--as", "mallory"} << AdminPassword
                                    << "new-password" << "wrong user name or password" << "";
    QTest::newRow("unknown node") << QStringList{"add", "x", "--roles", "prosumer", "--nodes", missing, "--as", "admin"}
                                  << AdminPassword << "new-password" << missing << "";
    QTest::newRow("unknown node, rebinding") << QStringList{"nodes", "alice", "--nodes", node0 + "," + missing, "--as", "admin"}
                                             << AdminPassword << AlicePassword << missing << "";
    QTest::newRow("rebinding, wrong user password") << QStringList{"nodes", "alice", "--nodes", node0, "--as", "admin"}
                                                    << AdminPassword << "not-alices-password" << "password given for 'alice'" << "";
    QTest::newRow("prosumer without node") << QStringList{"add", "x", "--roles", "prosumer", "--as", "admin"} << AdminPassword
                                           << "new-password" << "needs at least one node" << "";
    QTest::newRow("weak password") << QStringList{"add", "x", "--roles", "operator", "--as", "admin"} << AdminPassword << "short"
                                   << "at least 8 characters" << "";
    QTest::newRow("bad name") << QStringList{"add", "x y", "--roles", "operator", "--as", "admin"} << AdminPassword
                              << "new-password" << "user name 'x y'" << "";
    QTest::newRow("existing name") << QStringList{"add", "alice", "--roles", "operator", "--as", "admin"} << AdminPassword
                                   << "new-password" << "already exists" << "";
    QTest::newRow("last admin removed") << QStringList{"remove", "admin", "--as", "admin"} << AdminPassword << ""
                                        << "last admin" << "";
    QTest::newRow("last admin demoted") << QStringList{"roles", "admin", "--roles", "operator", "--as", "admin"} << AdminPassword
                                        << "" << "last admin" << "";
    QTest::newRow("unknown role") << QStringList{"add", "x", "--roles", "root", "--as", "admin"} << AdminPassword
                                  << "new-password" << "--roles" << "";
    QTest::newRow("no caller") << QStringList{"list"} << AdminPassword << "" << "--as NAME" << "";
    QTest::newRow("no name") << QStringList{"remove", "--as", "admin"} << AdminPassword << "" << "NAME is required" << "";
    QTest::newRow("unknown action") << QStringList{"promote", "bob", "--as", "admin"} << AdminPassword << "" << "unknown action 'promote'" << "";
    QTest::newRow("option of another action") << QStringList{"remove", "bob", "--roles", "admin", "--as", "admin"} << AdminPassword
                                              << "" << "--roles does not apply" << "";
    QTest::newRow("unknown user") << QStringList{"roles", "nobody", "--roles", "operator", "--as", "admin"} << AdminPassword
                                  << "" << "no user 'nobody'" << "";
}

void TestCliUser::refusals()
{
    QFETCH(QStringList, args);
    QFETCH(QString, password);
    QFETCH(QString, newPassword);
    QFETCH(QString, expected);
    QFETCH(QString, failedLoginOf);
    const QString dir = copyOf(m_users, QStringLiteral("refusal-%1").arg(QTest::currentDataTag()).replace(QRegularExpression("\\W"), "_"));
    for (QString &a : args)
        a.replace(QStringLiteral("@0"), m_nodes[0]);
    const QJsonArray before = list(dir);
    QCOMPARE(before.size(), 3);

    const Run r = runCli(QStringList{QStringLiteral("user")} + args + QStringList{QStringLiteral("--data"), dir},
                         asCaller(password, newPassword.isEmpty() ? QString() : newPassword));
    QVERIFY2(r.exitCode == 2, qPrintable(describe(r)));
    QVERIFY2(r.err.contains(expected), qPrintable(describe(r)));
    QVERIFY2(r.err.startsWith(QLatin1String("microgrid-cli user")), qPrintable(r.err));
    QCOMPARE(r.err.count(QLatin1Char('\n')), 1); // one line
    QVERIFY2(r.out.isEmpty(), qPrintable(r.out));

    QJsonArray after = list(dir);
    if (!failedLoginOf.isEmpty()) {
        for (qsizetype i = 0; i < after.size(); ++i) {
            QJsonObject u = after[i].toObject();
            if (u.value(QStringLiteral("name")).toString() == failedLoginOf) {
                QCOMPARE(u.value(QStringLiteral("failedLogins")).toInt(), 1);
                u.insert(QStringLiteral("failedLogins"), 0);
                after[i] = u;
            }
        }
    }
    QCOMPARE(after, before);
}

void TestCliUser::missingStore()
{
    const QString dir = m_tmp.filePath(QStringLiteral("nothing-here"));
    for (const QStringList &args : {QStringList{"user", "init", "--data", dir},
                                    QStringList{"user", "list", "--data", dir, "--as", "admin"}}) {
        const Run r = runCli(args, asCaller(AdminPassword));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(Store::databasePath(dir)), qPrintable(describe(r)));
    }
    QVERIFY(!QFileInfo::exists(dir)); // not created
}

QTEST_GUILESS_MAIN(TestCliUser)
#include "tst_cli_user.moc"
