// `microgrid-cli regulate ...` end to end on a data directory written by `microgrid-cli run`: a
// regulator user's actions become final and appear in the audit log; a prosumer is refused and
// the log stays as it was; rules round-trip; bad inputs exit 2 with a one-line reason.

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

const QString AdminPassword = QStringLiteral("admin-password");
const QString RegPassword = QStringLiteral("regulator-password");
const QString ProsumerPassword = QStringLiteral("prosumer-password");

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run runCli(const QStringList &args, const QMap<QString, QString> &env = {})
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

using Env = QMap<QString, QString>;
Env as(const QString &password, const QString &fresh = {})
{
    Env env{{QStringLiteral("MG_PASSWORD"), password}};
    if (!fresh.isEmpty())
        env.insert(QStringLiteral("MG_NEW_PASSWORD"), fresh);
    return env;
}

} // namespace

class TestCliRegulate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void suspendIsLogged();
    void prosumerIsRefused();
    void rulesRoundTrip();
    void badInputs_data();
    void badInputs();

private:
    QJsonArray log();
    Run regulate(const QStringList &args, const QString &user = QStringLiteral("reg"), const QString &password = RegPassword)
    {
        return runCli(QStringList{QStringLiteral("regulate")} + args + QStringList{QStringLiteral("--data"), m_dir, QStringLiteral("--as"), user},
                      as(password));
    }

    QTemporaryDir m_tmp;
    QString m_dir;
};

void TestCliRegulate::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_dir = m_tmp.filePath(QStringLiteral("grid"));
    Run r = runCli({"run", "--duration", "20", "--virtual", "--groups", "2", "--data", m_dir});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    r = runCli({"user", "init", "--password-from-env", "--data", m_dir}, {{"MG_NEW_PASSWORD", AdminPassword}});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    r = runCli({"user", "add", "reg", "--roles", "regulator", "--nodes", "REG1", "--data", m_dir, "--as", "admin"},
               as(AdminPassword, RegPassword));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    r = runCli({"user", "add", "pro", "--roles", "prosumer", "--nodes", "N002", "--data", m_dir, "--as", "admin"},
               as(AdminPassword, ProsumerPassword));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QCOMPARE(log().size(), 0);
}

QJsonArray TestCliRegulate::log()
{
    const Run r = regulate({QStringLiteral("log"), QStringLiteral("--json")});
    if (r.exitCode != 0) {
        qWarning("regulate log failed: %s", qPrintable(describe(r)));
        return {};
    }
    return QJsonDocument::fromJson(r.out.toUtf8()).object().value(QStringLiteral("actions")).toArray();
}

void TestCliRegulate::suspendIsLogged()
{
    const qsizetype before = log().size();
    const Run r = regulate({"suspend", "N001", "--reason", "meter tampering"});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QVERIFY2(r.out.contains(QLatin1String("suspended N001")), qPrintable(r.out));
    const QJsonArray entries = log();
    QCOMPARE(entries.size(), before + 1);
    const QJsonObject last = entries.last().toObject();
    QCOMPARE(last.value(QStringLiteral("action")).toString(), QStringLiteral("suspend"));
    QCOMPARE(last.value(QStringLiteral("subject")).toString(), QStringLiteral("N001"));
    QCOMPARE(last.value(QStringLiteral("regulator")).toString(), QStringLiteral("REG1"));
    QCOMPARE(last.value(QStringLiteral("reason")).toString(), QStringLiteral("meter tampering"));
    QCOMPARE(last.value(QStringLiteral("chain")).toInt(), 0);

    // Text form and the --node filter.
    const Run text = regulate({"log", "--node", "N001"});
    QVERIFY2(text.exitCode == 0 && text.out.contains(QLatin1String("meter tampering")), qPrintable(describe(text)));
    const Run other = regulate({"log", "--json", "--node", "N003"});
    QVERIFY2(other.exitCode == 0, qPrintable(describe(other)));
    QCOMPARE(QJsonDocument::fromJson(other.out.toUtf8()).object().value(QStringLiteral("actions")).toArray().size(), 0);
}

void TestCliRegulate::prosumerIsRefused()
{
    const QJsonArray before = log();
    const Run r = regulate({"suspend", "N003", "--reason", "not my job"}, QStringLiteral("pro"), ProsumerPassword);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("forbidden")) || r.err.contains(QLatin1String("may not")), qPrintable(describe(r)));
    QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
    QCOMPARE(log(), before);
    // The audit trail is not for prosumers either.
    const Run logRun = regulate({"log"}, QStringLiteral("pro"), ProsumerPassword);
    QCOMPARE(logRun.exitCode, 2);
}

void TestCliRegulate::rulesRoundTrip()
{
    Run r = regulate({"rules", "--set", "max_trade_wh=5000"});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    r = regulate({"rules", "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    const QJsonObject rules = QJsonDocument::fromJson(r.out.toUtf8()).object().value(QStringLiteral("rules")).toObject();
    QCOMPARE(rules.value(QStringLiteral("max_trade_wh")).toInteger(), 5000);
    const QJsonArray entries = log();
    QVERIFY(!entries.isEmpty());
    QCOMPARE(entries.last().toObject().value(QStringLiteral("action")).toString(), QStringLiteral("rules"));
}

void TestCliRegulate::badInputs_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("names"); // the error names this
    QTest::newRow("unknown action") << QStringList{"evict", "N001", "--reason", "x"} << "evict";
    QTest::newRow("missing reason") << QStringList{"suspend", "N001"} << "--reason";
    QTest::newRow("bad hex") << QStringList{"halt", "--target", "xyz", "--reason", "x"} << "xyz";
    QTest::newRow("short hex") << QStringList{"approve", "abcd", "--reason", "x"} << "abcd";
    QTest::newRow("unknown node") << QStringList{"suspend", "N999", "--reason", "x"} << "N999";
    QTest::newRow("bad weights") << QStringList{"weights", "0.5,0.5,0.5", "--reason", "x"} << "0.5,0.5,0.5";
    QTest::newRow("weights not adding up") << QStringList{"weights", "0.5,0.5,0.5,0.5", "--reason", "x"} << "0.5,0.5,0.5,0.5";
    QTest::newRow("unknown rule key") << QStringList{"rules", "--set", "max_speed=3"} << "max_speed";
    QTest::newRow("bad rule value") << QStringList{"rules", "--set", "max_trade_wh=lots"} << "max_trade_wh";
    QTest::newRow("unknown proposal") << QStringList{"reject", QString(64, QLatin1Char('a')), "--reason", "x"} << "proposal";
}

void TestCliRegulate::badInputs()
{
    QFETCH(QStringList, args);
    QFETCH(QString, names);
    const QJsonArray before = log();
    const Run r = regulate(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(names), qPrintable(describe(r)));
    QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
    QCOMPARE(log(), before);
}

QTEST_GUILESS_MAIN(TestCliRegulate)
#include "tst_cli_regulate.moc"
