// microgrid-cli's engine commands, run as a user would: `elect` and `run`.

#include "core/roster/demo_roster.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "cli_fixture.h"

#include <algorithm>

using namespace mg;

namespace {

using Run = test::CliRun;

Run cli(const QStringList &args, int timeoutMs = 120000)
{
    return test::cli(args, timeoutMs);
}

using test::parseObject;

QStringList sortedKeys(const QJsonObject &o)
{
    QStringList k = o.keys();
    k.sort();
    return k;
}

} // namespace

class TestCliEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void electJsonShape();
    void electText();
    void electBadRoster_data();
    void electBadRoster();
    void runIsDeterministic();
    void runSingleTopology();
    void runUsageErrors_data();
    void runUsageErrors();
};

void TestCliEngine::electJsonShape()
{
    const Run r = cli({"elect", "--groups", "10", "--json"});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QString error;
    const QJsonObject root = parseObject(r.out, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(sortedKeys(root), QStringList({"single_chain", "subchains"}));

    const QList<roster::NodeInfo> roster = roster::demoRoster();
    QHash<QString, roster::NodeInfo> byId;
    for (const roster::NodeInfo &n : roster)
        byId.insert(n.id, n);

    QVERIFY(root.value("subchains").isArray());
    const QJsonArray subchains = root.value("subchains").toArray();
    QCOMPARE(subchains.size(), 10);
    for (int i = 0; i < subchains.size(); ++i) {
        QVERIFY(subchains[i].isObject());
        const QJsonObject o = subchains[i].toObject();
        QCOMPARE(sortedKeys(o), QStringList({"biller", "group", "members", "score"}));
        QVERIFY(o.value("group").isDouble());
        QCOMPARE(o.value("group").toInt(), i + 1); // in order
        QCOMPARE(o.value("members").toInt(), 10);
        QVERIFY(o.value("biller").isString());
        QVERIFY(o.value("score").isDouble());

        // Groups by serial number: group g holds N(10g-9)..N(10g); its biller is the best
        // generator among them (ties: lowest id).
        QString best;
        qint64 bestScore = -1;
        for (int k = i * 10; k < i * 10 + 10; ++k) {
            const roster::NodeInfo &n = roster[k];
            const qint64 s = roster::dbscaScoreMicro(n);
            if (n.isGenerator() && s > bestScore) {
                best = n.id;
                bestScore = s;
            }
        }
        QCOMPARE(o.value("biller").toString(), best);
        QCOMPARE(o.value("score").toDouble(), double(bestScore) / 1e6);
        QVERIFY(byId.value(best).isGenerator());
    }

    QVERIFY(root.value("single_chain").isObject());
    const QJsonObject single = root.value("single_chain").toObject();
    QCOMPARE(sortedKeys(single), QStringList({"biller", "members", "score"}));
    QCOMPARE(single.value("biller").toString(), QStringLiteral("N053"));
    QCOMPARE(single.value("score").toDouble(), 0.752);
    QCOMPARE(single.value("members").toInt(), 100);
    // N053 is group 6's biller too.
    QCOMPARE(subchains[5].toObject().value("biller").toString(), QStringLiteral("N053"));
    QVERIFY(r.err.isEmpty());
}

void TestCliEngine::electText()
{
    const Run r = cli({"elect", "--groups", "10"});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QString out = QString::fromUtf8(r.out);
    QVERIFY(out.contains(QStringLiteral("N053")));
    QVERIFY(out.contains(QStringLiteral("0.752")));
    QVERIFY(out.count(QLatin1Char('\n')) >= 1 + 10 + 1); // header, ten groups, the single chain
}

void TestCliEngine::electBadRoster_data()
{
    QTest::addColumn<QByteArray>("csv");
    QTest::addColumn<QString>("mustName");

    QTest::newRow("unknown column") << QByteArray("id,name,colour,cost\nA,Alpha,red,0.5\nB,Beta,blue,0.4\n") << "colour";
    QTest::newRow("unknown column, other case") << QByteArray("id,Wattage\nA,5\n") << "wattage";
    QTest::newRow("value out of range") << QByteArray("id,cost\nA,0.5\nB,1.3\n") << "cost";
    QTest::newRow("no id column") << QByteArray("name,cost\nA,0.5\n") << "id";
}

void TestCliEngine::electBadRoster()
{
    QFETCH(QByteArray, csv);
    QFETCH(QString, mustName);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("roster.csv");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(csv);
    f.close();

    const Run r = cli({"elect", "--roster", path, "--json"});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.out.isEmpty());
    const QString err = QString::fromUtf8(r.err).trimmed();
    QVERIFY2(err.contains(mustName, Qt::CaseInsensitive), qPrintable(err));
    QVERIFY2(!err.contains(QLatin1Char('\n')), qPrintable(err)); // one line
    QVERIFY(err.startsWith(QStringLiteral("microgrid-cli elect:")));
}

void TestCliEngine::runIsDeterministic()
{
    const QStringList args{"run", "--groups", "10", "--duration", "20", "--virtual", "--seed", "7", "--json"};
    const Run a = cli(args);
    const Run b = cli(args);
    QVERIFY2(a.exitCode == 0, a.err.constData());
    QVERIFY2(b.exitCode == 0, b.err.constData());
    QString error;
    QJsonObject ja = parseObject(a.out, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QJsonObject jb = parseObject(b.out, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    QVERIFY(ja.contains("wall_s"));
    QVERIFY(ja.value("wall_s").toDouble() > 0);
    ja.remove("wall_s");
    jb.remove("wall_s");
    QCOMPARE(QJsonDocument(ja).toJson(), QJsonDocument(jb).toJson());

    // And what it reports makes sense.
    QCOMPARE(ja.value("topology").toString(), QStringLiteral("double"));
    QCOMPARE(ja.value("clock").toString(), QStringLiteral("virtual"));
    QCOMPARE(ja.value("seed").toString(), QStringLiteral("7"));
    QCOMPARE(ja.value("nodes").toInt(), 100);
    QCOMPARE(ja.value("duration_s").toDouble(), 20.0);
    const QJsonArray chains = ja.value("chains").toArray();
    QCOMPARE(chains.size(), 11);
    qint64 blocks = 0, txs = 0;
    for (const QJsonValue &v : chains) {
        const QJsonObject c = v.toObject();
        QVERIFY(c.value("blocks").toInteger() > 0);
        QCOMPARE(c.value("height").toInteger(), c.value("blocks").toInteger() - 1);
        QVERIFY(!c.value("biller").toString().isEmpty());
        blocks += c.value("blocks").toInteger();
        txs += c.value("transactions").toInteger();
    }
    QCOMPARE(ja.value("blocks_final").toInteger(), blocks);
    QCOMPARE(ja.value("transactions_final").toInteger(), txs);
    QVERIFY(ja.value("transactions_submitted").toInteger() > 500); // 100 nodes x 0.5 orders/s x 20 s, and more
    QVERIFY(ja.value("anchor_p50_ms").toDouble() >= ja.value("final_p50_ms").toDouble());
    QCOMPARE(ja.value("rejected_blocks").toInteger(), 0);

    // Another seed gives another run.
    QStringList other = args;
    other[other.indexOf("7")] = "8";
    const Run c = cli(other);
    QVERIFY2(c.exitCode == 0, c.err.constData());
    QJsonObject jc = parseObject(c.out, &error);
    jc.remove("wall_s");
    QVERIFY(QJsonDocument(jc).toJson() != QJsonDocument(ja).toJson());
}

void TestCliEngine::runSingleTopology()
{
    const Run r = cli({"run", "--topology", "single", "--duration", "10", "--virtual", "--json"});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QString error;
    const QJsonObject j = parseObject(r.out, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(j.value("topology").toString(), QStringLiteral("single"));
    const QJsonArray chains = j.value("chains").toArray();
    QCOMPARE(chains.size(), 1);
    QCOMPARE(chains[0].toObject().value("members").toInt(), 100);
    QCOMPARE(chains[0].toObject().value("biller").toString(), QStringLiteral("N053"));
    QVERIFY(chains[0].toObject().value("blocks").toInteger() > 0);
}

void TestCliEngine::runUsageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mustName");

    QTest::newRow("no duration") << QStringList{"run", "--virtual", "--json"} << "--duration";
    QTest::newRow("no duration, groups") << QStringList{"run", "--groups", "10"} << "--duration";
    QTest::newRow("zero duration") << QStringList{"run", "--duration", "0", "--virtual"} << "--duration";
    QTest::newRow("text duration") << QStringList{"run", "--duration", "soon", "--virtual"} << "soon";
    QTest::newRow("too many groups") << QStringList{"run", "--groups", "101", "--duration", "1", "--virtual"} << "--groups";
    QTest::newRow("bad rotation") << QStringList{"run", "--duration", "1", "--virtual", "--rotation", "sometimes"} << "sometimes";
    QTest::newRow("bad topology") << QStringList{"run", "--duration", "1", "--virtual", "--topology", "triple"} << "triple";
    QTest::newRow("unknown option") << QStringList{"run", "--duration", "1", "--frobnicate"} << "frobnicate";
}

void TestCliEngine::runUsageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, mustName);
    const Run r = cli(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.out.isEmpty());
    const QString err = QString::fromUtf8(r.err).trimmed();
    QVERIFY2(err.contains(mustName), qPrintable(err));
    QVERIFY2(!err.contains(QLatin1Char('\n')), qPrintable(err));
}

QTEST_GUILESS_MAIN(TestCliEngine)
#include "tst_cli_engine.moc"
