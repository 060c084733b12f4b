// `microgrid-cli verify` on stores built here: exit codes, the finding line, JSON output.

#include "store_fixture.h"

#include "core/store/store.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace mg;
using mg::store::Store;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run runCli(const QStringList &args)
{
    QProcess p;
    p.start(QStringLiteral(MG_TEST_CLI), args);
    Run r;
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

} // namespace

class TestCliVerify : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void intact();
    void intactJson();
    void tampered_data();
    void tampered();
    void badUsage_data();
    void badUsage();

private:
    // A store with chains 1 (6 blocks) and 2 (3 blocks) in m_tmp/<name>.
    QString makeStore(const QString &name);

    QTemporaryDir m_tmp;
    test::Roster m_roster{8};
    QList<ledger::Block> m_chain1;
    QList<ledger::Block> m_chain2;
};

void TestCliVerify::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    QVERIFY2(QFileInfo(QStringLiteral(MG_TEST_CLI)).isExecutable(), MG_TEST_CLI);
    m_chain1 = m_roster.chain(1, 6, 4, 1'700'000'000'000);
    m_chain2 = m_roster.chain(2, 3, 4, 1'700'000'000'000);
}

QString TestCliVerify::makeStore(const QString &name)
{
    const QString dir = m_tmp.filePath(name);
    auto store = Store::open(dir);
    if (!store || !store.value()->putNodes(m_roster.records()) || !store.value()->appendBlocks(m_chain1 + m_chain2))
        return {};
    return dir;
}

void TestCliVerify::intact()
{
    const QString dir = makeStore(QStringLiteral("intact"));
    QVERIFY(!dir.isEmpty());
    const Run r = runCli({QStringLiteral("verify"), QStringLiteral("--data"), dir});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out.trimmed(), QStringLiteral("verified 9 blocks in 2 chains: intact"));
    QVERIFY(r.err.isEmpty());
}

void TestCliVerify::intactJson()
{
    const QString dir = makeStore(QStringLiteral("intact-json"));
    QVERIFY(!dir.isEmpty());
    const Run r = runCli({QStringLiteral("verify"), QStringLiteral("--data"), dir, QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8(), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString() + QLatin1Char('\n') + r.out));
    const QJsonObject o = doc.object();
    QCOMPARE(o.value(QStringLiteral("intact")).toBool(false), true);
    QCOMPARE(o.value(QStringLiteral("blocks")).toInt(), 9);
    QCOMPARE(o.value(QStringLiteral("chains")).toInt(), 2);
    QVERIFY(o.value(QStringLiteral("findings")).toArray().isEmpty());
}

void TestCliVerify::tampered_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<int>("chain");
    QTest::addColumn<int>("height");
    QTest::addColumn<QString>("code");

    QTest::newRow("hash column") << "UPDATE blocks SET hash = zeroblob(32) WHERE chain_id = 1 AND height = 3"
                                 << 1 << 3 << "store.hash_column";
    QTest::newRow("txs row deleted") << "DELETE FROM txs WHERE chain_id = 2 AND height = 1 AND idx = 0"
                                     << 2 << 1 << "store.index";
    QTest::newRow("block row deleted") << "DELETE FROM blocks WHERE chain_id = 1 AND height = 4"
                                       << 1 << 4 << "store.missing_block";
}

void TestCliVerify::tampered()
{
    QFETCH(QString, sql);
    QFETCH(int, chain);
    QFETCH(int, height);
    QFETCH(QString, code);

    const QString dir = makeStore(QStringLiteral("tampered-%1").arg(QTest::currentDataTag()).replace(u' ', u'_'));
    QVERIFY(!dir.isEmpty());
    {
        test::RawDb raw(Store::databasePath(dir));
        QString error;
        raw.exec(sql, {}, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    const Run r = runCli({QStringLiteral("verify"), QStringLiteral("--data"), dir});
    QCOMPARE(r.exitCode, 1);
    const QStringList lines = r.out.trimmed().split(u'\n');
    QCOMPARE(lines.size(), 2); // the finding, then the summary
    const QString prefix = QStringLiteral("chain %1 height %2: %3: ").arg(chain).arg(height).arg(code);
    QVERIFY2(lines[0].startsWith(prefix), qPrintable(lines[0]));
    QVERIFY2(lines[1].startsWith(QStringLiteral("verified ")) && lines[1].endsWith(QStringLiteral("in 2 chains: 1 problem(s) found")),
             qPrintable(lines[1]));

    const Run j = runCli({QStringLiteral("verify"), QStringLiteral("--json"), QStringLiteral("--data"), dir});
    QCOMPARE(j.exitCode, 1);
    const QJsonObject o = QJsonDocument::fromJson(j.out.toUtf8()).object();
    QCOMPARE(o.value(QStringLiteral("intact")).toBool(true), false);
    const QJsonArray findings = o.value(QStringLiteral("findings")).toArray();
    QCOMPARE(findings.size(), 1);
    const QJsonObject f = findings.first().toObject();
    QCOMPARE(f.value(QStringLiteral("chain")).toInt(), chain);
    QCOMPARE(f.value(QStringLiteral("height")).toInt(), height);
    QCOMPARE(f.value(QStringLiteral("code")).toString(), code);
    QVERIFY(!f.value(QStringLiteral("reason")).toString().isEmpty());
}

void TestCliVerify::badUsage_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mentions"); // the stderr line names this

    const QString missing = m_tmp.filePath(QStringLiteral("does-not-exist"));
    QTest::newRow("no --data") << QStringList{QStringLiteral("verify")} << QStringLiteral("--data");
    QTest::newRow("nonexistent dir") << QStringList{QStringLiteral("verify"), QStringLiteral("--data"), missing} << missing;
    QTest::newRow("dir without database") << QStringList{QStringLiteral("verify"), QStringLiteral("--data"), m_tmp.path()}
                                          << Store::databasePath(m_tmp.path());
    QTest::newRow("unknown option") << QStringList{QStringLiteral("verify"), QStringLiteral("--frobnicate")}
                                    << QStringLiteral("frobnicate");
    QTest::newRow("stray argument") << QStringList{QStringLiteral("verify"), QStringLiteral("--data"), m_tmp.path(), QStringLiteral("extra")}
                                    << QStringLiteral("extra");
}

void TestCliVerify::badUsage()
{
    QFETCH(QStringList, args);
    QFETCH(QString, mentions);
    const QStringList before = QDir(m_tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot);
    const Run r = runCli(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.trimmed().count(u'\n') == 0, qPrintable(r.err)); // one line
    QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
    // verify never creates a directory or a database
    QCOMPARE(QDir(m_tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), before);
}

QTEST_GUILESS_MAIN(TestCliVerify)
#include "tst_cli_verify.moc"
