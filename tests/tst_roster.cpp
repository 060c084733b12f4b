#include "core/roster/demo_roster.h"
#include "core/roster/node.h"
#include "core/roster/roster_csv.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <random>

using namespace mg::roster;

Q_DECLARE_METATYPE(NodeInfo)
Q_DECLARE_METATYPE(QList<NodeInfo>)

namespace {

NodeInfo makeNode(const QString &id)
{
    NodeInfo n;
    n.id = id;
    return n;
}

// CSV text of a roster: a readable diff when two rosters differ.
QString asCsv(const QList<NodeInfo> &nodes)
{
    return QString::fromUtf8(writeRosterCsv(nodes));
}

QString demoRosterPath()
{
    return QFileInfo(QStringLiteral(__FILE__)).absolutePath() + QStringLiteral("/../resources/demo_roster.csv");
}

NodeInfo fullNode()
{
    NodeInfo n;
    n.id = QStringLiteral("N042");
    n.name = QStringLiteral("Wind farm \u98ce 2");
    n.roles = Role::Generator | Role::Storage;
    n.renewable = true;
    n.environmental = 0.1 + 0.2; // not exactly 0.3: shortest-form output must round-trip it
    n.cost = 1;
    n.stability = 1e-7;
    n.scoreOverride = 0.123456789;
    n.group = 7;
    n.lat = -33.8688;
    n.lon = 151.2093;
    n.capacityKw = 12.5;
    n.state = MembershipState::Suspended;
    return n;
}

} // namespace

class TestRoster : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseGood_data();
    void parseGood();
    void parseErrors_data();
    void parseErrors();
    void specExampleMessage();
    void readFile();
    void roundTrip_data();
    void roundTrip();
    void checkedInDemoRoster();

    void score_data();
    void score();
    void weightsParse_data();
    void weightsParse();
    void roles_data();
    void roles();
    void badRoles_data();
    void badRoles();
    void membershipStates();

    void encodeRoundTrip_data();
    void encodeRoundTrip();
    void decodeTruncated();
    void decodeGarbage();

    void demoDeterminism();
    void demoShape();
    void demoPaperBiller();
};

void TestRoster::parseGood_data()
{
    QTest::addColumn<QByteArray>("csv");
    QTest::addColumn<QList<NodeInfo>>("expected");

    {
        NodeInfo a = makeNode(QStringLiteral("N001"));
        a.name = QStringLiteral("House 1");
        a.roles = Role::Consumer;
        a.renewable = true;
        a.environmental = 0.25;
        a.cost = 0.5;
        a.stability = 0.75;
        a.scoreOverride = 0.6;
        a.group = 3;
        a.lat = 38.87;
        a.lon = 115.46;
        a.capacityKw = 7.5;
        NodeInfo b = makeNode(QStringLiteral("N002"));
        b.name = QStringLiteral("PV farm 1");
        b.roles = Role::Generator | Role::Storage;
        b.cost = 1;
        QTest::newRow("all columns")
            << QByteArray("id,name,role,renewable,environmental,cost,stability,score,group,lat,lon,capacity_kw\n"
                          "N001,House 1,consumer,1,0.25,0.5,0.75,0.6,3,38.87,115.46,7.5\n"
                          "N002,PV farm 1,generator+storage,0,0,1,0,,,,,5\n")
            << QList<NodeInfo>{a, b};
    }
    {
        NodeInfo a = makeNode(QStringLiteral("A"));
        a.cost = 0.3;
        NodeInfo b = makeNode(QStringLiteral("B"));
        QTest::newRow("subset, empty cells are defaults")
            << QByteArray("cost,id\n0.3,A\n,B\n") << QList<NodeInfo>{a, b};
    }
    {
        NodeInfo a = makeNode(QStringLiteral("N1"));
        a.name = QStringLiteral("Smith, \"Bob\"");
        NodeInfo b = makeNode(QStringLiteral("N2"));
        b.name = QStringLiteral("two\nlines");
        NodeInfo c = makeNode(QStringLiteral("N3"));
        c.name = QStringLiteral("  padded  ");
        c.cost = 0.5;
        QTest::newRow("quoted fields")
            << QByteArray("id,name,cost\n\"N1\",\"Smith, \"\"Bob\"\"\",0\n\"N2\",\"two\nlines\",\n N3 ,\"  padded  \" , \"0.5\"\n")
            << QList<NodeInfo>{a, b, c};
    }
    QTest::newRow("BOM") << QByteArray("\xEF\xBB\xBFid\nA\n") << QList<NodeInfo>{makeNode(QStringLiteral("A"))};
    {
        NodeInfo a = makeNode(QStringLiteral("A"));
        a.name = QStringLiteral("x");
        NodeInfo b = makeNode(QStringLiteral("B"));
        b.name = QStringLiteral("y");
        QTest::newRow("CRLF and blank lines")
            << QByteArray("id,name\r\nA,x\r\n\r\n   \r\nB,y\r\n\r\n") << QList<NodeInfo>{a, b};
        QTest::newRow("no final newline") << QByteArray("id,name\nA,x\nB,y") << QList<NodeInfo>{a, b};
    }
    {
        NodeInfo a = makeNode(QStringLiteral("A"));
        a.stability = 1;
        a.roles = Role::Generator | Role::Consumer | Role::Storage;
        QTest::newRow("header case and spaces")
            << QByteArray(" ID ,\tStability , ROLE\nA,1,Prosumer+Storage\n") << QList<NodeInfo>{a};
    }
    QTest::newRow("header only") << QByteArray("id,name\n") << QList<NodeInfo>{};
    QTest::newRow("128-char id") << (QByteArray("id\n") + QByteArray(128, 'x') + '\n')
                                 << QList<NodeInfo>{makeNode(QString(128, QLatin1Char('x')))};
    {
        NodeInfo a = makeNode(QStringLiteral("A"));
        a.lat = -90;
        a.lon = 180;
        a.capacityKw = 1e-3;
        a.group = 2147483647;
        NodeInfo b = makeNode(QStringLiteral("B"));
        QTest::newRow("range limits, empty location")
            << QByteArray("id,lat,lon,capacity_kw,group\nA,-90,180,1e-3,2147483647\nB,,,,\n") << QList<NodeInfo>{a, b};
    }
}

void TestRoster::parseGood()
{
    QFETCH(QByteArray, csv);
    QFETCH(QList<NodeInfo>, expected);
    const auto result = parseRosterCsv(csv);
    QVERIFY2(result.ok(), qPrintable(result.errorString()));
    QCOMPARE(asCsv(*result), asCsv(expected));
    QVERIFY(*result == expected);
}

void TestRoster::parseErrors_data()
{
    QTest::addColumn<QByteArray>("csv");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("column"); // empty: the error has no column
    QTest::addColumn<QString>("fragment");

    const auto row = [](const char *name, const QByteArray &csv, int line, const char *column, const char *fragment) {
        QTest::newRow(name) << csv << line << QString::fromUtf8(column) << QString::fromUtf8(fragment);
    };
    row("empty file", "", 1, "", "empty");
    row("only blank lines", "\n\r\n  \n", 1, "", "empty");
    row("missing id column", "name,cost\nA,0.1\n", 1, "id", "missing");
    row("unknown column", "id,foo\nA,1\n", 1, "foo", "unknown column 'foo'");
    row("empty column name", "id,,cost\n", 1, "2", "empty column name");
    row("duplicate column", "id,cost,COST\n", 1, "cost", "duplicate column");
    row("lat without lon", "id,lat\nA,1\n", 1, "lon", "missing");
    row("lon without lat", "id,lon\nA,1\n", 1, "lat", "missing");
    row("duplicate id", "id\nA\nB\nA\n", 4, "id", "first on line 2");
    row("duplicate id after trim", "id\nA\n A \n", 3, "id", "duplicate id 'A'");
    row("empty id", "id,name\nA,x\n,y\n", 3, "id", "empty");
    row("blank quoted id", "id,name\nA,x\n\" \",y\n", 3, "id", "empty");
    row("id too long", "id\n" + QByteArray(129, 'x') + "\n", 2, "id", "129");
    row("id with control char", "id\n\"A\x01\"\n", 2, "id", "control");
    row("too few fields", "id,name,cost\nA,x\n", 2, "cost", "2 fields");
    row("too many fields", "id,name\nA,x,1\n", 2, "3", "3 fields");
    row("not a number", "id,cost\nA,abc\n", 2, "cost", "'abc' is not a number");
    row("nan", "id,environmental\nA,nan\n", 2, "environmental", "not a number");
    row("inf", "id,stability\nA,inf\n", 2, "stability", "not a number");
    row("cost out of range", "id,cost\nA,1.3\n", 2, "cost", "'1.3' is outside [0,1]");
    row("environmental negative", "id,environmental\nA,-0.1\n", 2, "environmental", "outside [0,1]");
    row("stability out of range", "id,stability\nA,2\n", 2, "stability", "outside [0,1]");
    row("score out of range", "id,score\nA,1.5\n", 2, "score", "outside [0,1]");
    row("score not a number", "id,score\nA,high\n", 2, "score", "not a number");
    row("lat out of range", "id,lat,lon\nA,91,0\n", 2, "lat", "outside [-90,90]");
    row("lon out of range", "id,lat,lon\nA,0,-180.5\n", 2, "lon", "outside [-180,180]");
    row("lat without lon value", "id,lat,lon\nA,10,\n", 2, "lon", "both");
    row("lon without lat value", "id,lat,lon\nA,,10\n", 2, "lat", "both");
    row("capacity zero", "id,capacity_kw\nA,0\n", 2, "capacity_kw", "greater than 0");
    row("capacity negative", "id,capacity_kw\nA,-3\n", 2, "capacity_kw", "greater than 0");
    row("capacity not a number", "id,capacity_kw\nA,5kW\n", 2, "capacity_kw", "not a number");
    row("group zero", "id,group\nA,0\n", 2, "group", "positive integer");
    row("group fraction", "id,group\nA,1.5\n", 2, "group", "positive integer");
    row("group text", "id,group\nA,one\n", 2, "group", "positive integer");
    row("renewable 2", "id,renewable\nA,2\n", 2, "renewable", "0 or 1");
    row("renewable yes", "id,renewable\nA,yes\n", 2, "renewable", "0 or 1");
    row("renewable 0.0", "id,renewable\nA,0.0\n", 2, "renewable", "0 or 1");
    row("bad role", "id,role\nA,boss\n", 2, "role", "'boss' is not a role");
    row("bad role combo", "id,role\nA,generator+\n", 2, "role", "not a role");
    row("unterminated quote", "id,name\nA,\"abc\n\n", 2, "name", "unterminated quote");
    row("unterminated quote in header", "id,\"name\n", 1, "2", "unterminated quote");
    row("junk after quote", "id,name\nA,\"abc\"x\n", 2, "name", "after closing quote");
    row("invalid UTF-8", "id,name\nA,\xff\xfe\n", 2, "name", "UTF-8");
    row("line count after quoted newline", "id,name\nA,\"x\ny\"\nB,z,1\n", 4, "3", "3 fields");
    row("line count with CRLF and blanks", "id,cost\r\nA,0.1\r\n\r\nB,2\r\n", 4, "cost", "outside");
    row("first error wins", "id,cost\nA,7\nA,8\n", 2, "cost", "'7'");
}

void TestRoster::parseErrors()
{
    QFETCH(QByteArray, csv);
    QFETCH(int, line);
    QFETCH(QString, column);
    QFETCH(QString, fragment);

    const auto result = parseRosterCsv(csv, QStringLiteral("test.csv"));
    QVERIFY(!result.ok());
    const QString message = result.error().message;
    QCOMPARE(result.error().code, QStringLiteral("roster.csv"));
    QVERIFY2(message.startsWith(QStringLiteral("test.csv line %1").arg(line)), qPrintable(message));
    // "line 1" must not match "line 12": the line number is followed by ',' or ':'
    const QString lineTag = QStringLiteral("line %1").arg(line);
    const QChar after = message.at(message.indexOf(lineTag) + lineTag.size());
    QVERIFY2(after == QLatin1Char(',') || after == QLatin1Char(':'), qPrintable(message));
    if (!column.isEmpty())
        QVERIFY2(message.contains(QStringLiteral("column '%1'").arg(column)), qPrintable(message));
    QVERIFY2(message.contains(fragment), qPrintable(message));
}

void TestRoster::specExampleMessage()
{
    const auto result = parseRosterCsv("id,cost\nA,0.1\nB,0.2\n\nC,0.3\nD,0.4\nE,1.3\n", QStringLiteral("roster.csv"));
    QVERIFY(!result.ok());
    QCOMPARE(result.error().message, QStringLiteral("roster.csv line 7, column 'cost': '1.3' is outside [0,1]"));
}

void TestRoster::readFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());

    const QString missing = dir.filePath(QStringLiteral("missing.csv"));
    auto result = readRosterFile(missing);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, QStringLiteral("roster.io"));
    QVERIFY(result.error().message.contains(missing));

    result = readRosterFile(dir.path());
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, QStringLiteral("roster.io"));

    const QString good = dir.filePath(QStringLiteral("good.csv"));
    QFile file(good);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("id,cost\nA,0.5\nB,2\n");
    file.close();
    result = readRosterFile(good);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, QStringLiteral("roster.csv"));
    QVERIFY2(result.error().message.startsWith(good + QStringLiteral(" line 3, column 'cost'")),
             qPrintable(result.error().message));

    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("id,cost\nA,0.5\n");
    file.close();
    result = readRosterFile(good);
    QVERIFY2(result.ok(), qPrintable(result.errorString()));
    QCOMPARE(result->size(), 1);
    QCOMPARE(result->first().cost, 0.5);
}

void TestRoster::roundTrip_data()
{
    QTest::addColumn<QList<NodeInfo>>("nodes");

    QTest::newRow("demo roster") << demoRoster();
    QTest::newRow("demo roster, 7 nodes, other seed") << demoRoster(7, 1);
    QTest::newRow("empty") << QList<NodeInfo>{};

    NodeInfo full = fullNode();
    full.state = MembershipState::Active; // the CSV has no membership column
    NodeInfo quoted = makeNode(QStringLiteral("weird id"));
    quoted.name = QStringLiteral(" a, \"b\"\r\nc ");
    quoted.roles = Role::Storage;
    NodeInfo bom = makeNode(QStringLiteral("N9"));
    bom.name = QStringLiteral("\uFEFFlabel");
    bom.roles = Role::Consumer | Role::Storage;
    bom.lat = -0.0;
    bom.lon = 1e-300;
    bom.capacityKw = 1e300;
    bom.scoreOverride = 0;
    QTest::newRow("tricky values") << QList<NodeInfo>{full, quoted, bom};
}

void TestRoster::roundTrip()
{
    QFETCH(QList<NodeInfo>, nodes);
    const QByteArray csv = writeRosterCsv(nodes);
    QVERIFY(csv.startsWith("id,name,role,renewable,environmental,cost,stability,score,group,lat,lon,capacity_kw\n"));
    const auto parsed = parseRosterCsv(csv);
    QVERIFY2(parsed.ok(), qPrintable(parsed.errorString()));
    QCOMPARE(asCsv(*parsed), QString::fromUtf8(csv));
    QVERIFY(*parsed == nodes);
}

// resources/demo_roster.csv is checked in for people to read and edit; it must stay what the
// code generates. Regenerate with MG_WRITE_DEMO_ROSTER=1 ./tst_roster checkedInDemoRoster.
void TestRoster::checkedInDemoRoster()
{
    const QByteArray expected = writeRosterCsv(demoRoster());
    QFile file(demoRosterPath());
    if (qEnvironmentVariableIsSet("MG_WRITE_DEMO_ROSTER")) {
        QVERIFY2(file.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(file.errorString()));
        file.write(expected);
        file.close();
    }
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(demoRosterPath() + QStringLiteral(": ") + file.errorString()));
    QCOMPARE(file.readAll(), expected);
    const auto parsed = readRosterFile(demoRosterPath());
    QVERIFY2(parsed.ok(), qPrintable(parsed.errorString()));
    QVERIFY(*parsed == demoRoster());
}

void TestRoster::score_data()
{
    QTest::addColumn<bool>("renewable");
    QTest::addColumn<double>("environmental");
    QTest::addColumn<double>("cost");
    QTest::addColumn<double>("stability");
    QTest::addColumn<double>("override"); // negative: none
    QTest::addColumn<QString>("weights");  // empty: defaults
    QTest::addColumn<qint64>("micro");

    QTest::newRow("zero") << false << 0.0 << 0.0 << 0.0 << -1.0 << QString() << qint64(0);
    QTest::newRow("all ones") << true << 1.0 << 1.0 << 1.0 << -1.0 << QString() << qint64(1000000);
    QTest::newRow("renewable only") << true << 0.0 << 0.0 << 0.0 << -1.0 << QString() << qint64(200000);
    QTest::newRow("cost only") << false << 0.0 << 1.0 << 0.0 << -1.0 << QString() << qint64(400000);
    QTest::newRow("paper node 53") << true << 0.6 << 0.8 << 0.52 << -1.0 << QString() << qint64(752000);
    QTest::newRow("inexact sums") << true << 0.7 << 0.1 << 0.3 << -1.0 << QString() << qint64(480000);
    QTest::newRow("custom weights") << true << 0.5 << 0.5 << 0.5 << -1.0 << QStringLiteral("0.25,0.25,0.25,0.25")
                                    << qint64(625000);
    QTest::newRow("custom weights, cost only") << false << 0.3 << 0.9 << 0.6 << -1.0 << QStringLiteral("0,0,1,0")
                                               << qint64(900000);
    QTest::newRow("override") << true << 1.0 << 1.0 << 1.0 << 0.5 << QString() << qint64(500000);
    QTest::newRow("override zero") << true << 1.0 << 1.0 << 1.0 << 0.0 << QString() << qint64(0);
    QTest::newRow("override rounds") << false << 0.0 << 0.0 << 0.0 << 0.9999994 << QString() << qint64(999999);
    QTest::newRow("override ignores weights") << false << 0.0 << 0.0 << 0.0 << 0.458 << QStringLiteral("1,0,0,0")
                                              << qint64(458000);
}

void TestRoster::score()
{
    QFETCH(bool, renewable);
    QFETCH(double, environmental);
    QFETCH(double, cost);
    QFETCH(double, stability);
    QFETCH(double, override);
    QFETCH(QString, weights);
    QFETCH(qint64, micro);

    NodeInfo n;
    n.renewable = renewable;
    n.environmental = environmental;
    n.cost = cost;
    n.stability = stability;
    if (override >= 0)
        n.scoreOverride = override;
    Weights w;
    if (!weights.isEmpty()) {
        const auto parsed = Weights::parse(weights);
        QVERIFY2(parsed.ok(), qPrintable(parsed.errorString()));
        w = *parsed;
    }
    QCOMPARE(dbscaScoreMicro(n, w), micro);
    QCOMPARE(dbscaScore(n, w), double(micro) / 1e6);
}

void TestRoster::weightsParse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("fragment"); // of the error, or the toString() of the result

    QTest::newRow("defaults") << QStringLiteral("0.2,0.3,0.4,0.1") << true << QStringLiteral("0.2,0.3,0.4,0.1");
    QTest::newRow("spaces") << QStringLiteral(" 0.25 , 0.25,0.25 ,0.25 ") << true << QStringLiteral("0.25,0.25,0.25,0.25");
    QTest::newRow("one-hot") << QStringLiteral("0,0,1,0") << true << QStringLiteral("0,0,1,0");
    QTest::newRow("inexact sum") << QStringLiteral("0.1,0.2,0.3,0.4") << true << QStringLiteral("0.1,0.2,0.3,0.4");
    QTest::newRow("three") << QStringLiteral("0.2,0.3,0.5") << false << QStringLiteral("expected 4");
    QTest::newRow("five") << QStringLiteral("0.2,0.3,0.4,0.1,0") << false << QStringLiteral("expected 4");
    QTest::newRow("empty") << QString() << false << QStringLiteral("expected 4");
    QTest::newRow("bad renewable") << QStringLiteral(",0.3,0.4,0.1") << false << QStringLiteral("'renewable'");
    QTest::newRow("bad environmental") << QStringLiteral("0.2,x,0.4,0.1") << false << QStringLiteral("'environmental': 'x'");
    QTest::newRow("cost out of range") << QStringLiteral("0.2,0.3,1.4,0.1") << false << QStringLiteral("'cost': '1.4' is outside");
    QTest::newRow("stability nan") << QStringLiteral("0.2,0.3,0.4,nan") << false << QStringLiteral("'stability'");
    QTest::newRow("negative") << QStringLiteral("-0.2,0.6,0.5,0.1") << false << QStringLiteral("'renewable'");
    QTest::newRow("sum too big") << QStringLiteral("0.5,0.3,0.4,0.1") << false << QStringLiteral("sum to 1.3");
    QTest::newRow("sum too small") << QStringLiteral("0.2,0.3,0.4,0.0999") << false << QStringLiteral("sum to");
}

void TestRoster::weightsParse()
{
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(QString, fragment);

    QVERIFY(Weights().isValid());
    QCOMPARE(Weights().toString(), QStringLiteral("0.2,0.3,0.4,0.1"));

    const auto result = Weights::parse(text);
    QCOMPARE(result.ok(), ok);
    if (ok) {
        QVERIFY(result->isValid());
        QCOMPARE(result->toString(), fragment);
        QCOMPARE(*Weights::parse(result->toString()), *result);
    } else {
        QCOMPARE(result.error().code, QStringLiteral("roster.weights"));
        QVERIFY2(result.error().message.contains(fragment), qPrintable(result.error().message));
    }
}

void TestRoster::roles_data()
{
    QTest::addColumn<int>("roles");
    QTest::addColumn<QString>("text");

    QTest::newRow("generator") << int(Role::Generator) << QStringLiteral("generator");
    QTest::newRow("consumer") << int(Role::Consumer) << QStringLiteral("consumer");
    QTest::newRow("storage") << int(Role::Storage) << QStringLiteral("storage");
    QTest::newRow("prosumer") << int((Roles(Role::Generator) | Role::Consumer).toInt()) << QStringLiteral("prosumer");
    QTest::newRow("generator+storage") << int((Roles(Role::Generator) | Role::Storage).toInt()) << QStringLiteral("generator+storage");
    QTest::newRow("consumer+storage") << int((Roles(Role::Consumer) | Role::Storage).toInt()) << QStringLiteral("consumer+storage");
    QTest::newRow("prosumer+storage") << int((Role::Generator | Role::Consumer | Role::Storage).toInt())
                                      << QStringLiteral("prosumer+storage");
}

void TestRoster::roles()
{
    QFETCH(int, roles);
    QFETCH(QString, text);
    const Roles r = Roles::fromInt(roles);
    QCOMPARE(rolesToString(r), text);
    QCOMPARE(rolesFromString(text), std::optional<Roles>(r));
    QCOMPARE(rolesFromString(text.toUpper()), std::optional<Roles>(r));
}

void TestRoster::badRoles_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << QString();
    QTest::newRow("unknown") << QStringLiteral("boss");
    QTest::newRow("trailing plus") << QStringLiteral("generator+");
    QTest::newRow("leading plus") << QStringLiteral("+storage");
    QTest::newRow("comma") << QStringLiteral("generator,storage");
}

void TestRoster::badRoles()
{
    QFETCH(QString, text);
    QCOMPARE(rolesFromString(text), std::nullopt);
}

void TestRoster::membershipStates()
{
    const MembershipState all[] = {MembershipState::Pending, MembershipState::Active, MembershipState::Suspended,
                                   MembershipState::Evicted};
    const char *names[] = {"pending", "active", "suspended", "evicted"};
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(membershipStateName(all[i]), QLatin1String(names[i]));
        QCOMPARE(membershipStateFromString(QString::fromLatin1(names[i])), std::optional(all[i]));
    }
    QCOMPARE(membershipStateFromString(u"banned"), std::nullopt);
    QCOMPARE(membershipStateFromString(u""), std::nullopt);
}

void TestRoster::encodeRoundTrip_data()
{
    QTest::addColumn<NodeInfo>("node");
    QTest::newRow("default") << NodeInfo{};
    QTest::newRow("full") << fullNode();
    NodeInfo evicted = makeNode(QStringLiteral("N7"));
    evicted.state = MembershipState::Evicted;
    evicted.name = QStringLiteral("\uFEFF leading BOM");
    evicted.lat = 1.0; // lat without lon is representable, even if a roster would not accept it
    evicted.group = -5;
    QTest::newRow("odd") << evicted;
    for (const NodeInfo &n : demoRoster(5))
        QTest::newRow(qPrintable(n.id)) << n;
}

void TestRoster::encodeRoundTrip()
{
    QFETCH(NodeInfo, node);
    const QByteArray bytes = encodeAttributes(node);
    QCOMPARE(encodeAttributes(node), bytes); // deterministic
    const auto decoded = decodeAttributes(bytes, node.id);
    QVERIFY2(decoded.ok(), qPrintable(decoded.errorString()));
    QVERIFY(*decoded == node);
    QCOMPARE(encodeAttributes(*decoded), bytes);
}

void TestRoster::decodeTruncated()
{
    const QByteArray bytes = encodeAttributes(fullNode());
    for (qsizetype len = 0; len < bytes.size(); ++len) {
        const auto decoded = decodeAttributes(QByteArrayView(bytes).first(len), QStringLiteral("N042"));
        QVERIFY2(!decoded.ok(), qPrintable(QString::number(len)));
        QCOMPARE(decoded.error().code, QStringLiteral("roster.decode"));
        QVERIFY2(decoded.error().message.contains(QStringLiteral("field '")), qPrintable(decoded.error().message));
        QVERIFY(decoded.error().message.contains(QStringLiteral("N042")));
    }
    const auto trailing = decodeAttributes(QByteArray(bytes + '\0'), QStringLiteral("N042"));
    QVERIFY(!trailing.ok());
    QVERIFY(trailing.error().message.contains(QStringLiteral("trailing")));

    QByteArray badVersion = bytes;
    badVersion[0] = 2;
    const auto version = decodeAttributes(badVersion, QStringLiteral("N042"));
    QVERIFY(!version.ok());
    QVERIFY(version.error().message.contains(QStringLiteral("'version'")));

    QByteArray hugeName = bytes;
    hugeName[1] = char(0xff); // name length ~4 GB: must fail without allocating
    const auto huge = decodeAttributes(hugeName, QStringLiteral("N042"));
    QVERIFY(!huge.ok());
    QVERIFY(huge.error().message.contains(QStringLiteral("'name'")));
}

// Random and mutated inputs must never crash; whatever decodes must re-encode to the same bytes
// (the encoding is canonical).
void TestRoster::decodeGarbage()
{
    std::mt19937_64 rng(12345);
    const auto check = [](const QByteArray &input) {
        const auto decoded = decodeAttributes(input, QStringLiteral("X"));
        if (decoded.ok())
            return encodeAttributes(*decoded) == input;
        return decoded.error().code == QLatin1String("roster.decode") && !decoded.error().message.isEmpty();
    };
    for (int round = 0; round < 3000; ++round) {
        QByteArray input(qsizetype(rng() % 100), Qt::Uninitialized);
        for (char &c : input)
            c = char(rng());
        if (!input.isEmpty() && rng() % 2)
            input[0] = 1; // get past the version byte half the time
        QVERIFY(check(input));
    }
    const QByteArray valid = encodeAttributes(fullNode());
    for (qsizetype i = 0; i < valid.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            QByteArray mutated = valid;
            mutated[i] = char(mutated[i] ^ (1 << bit));
            QVERIFY(check(mutated));
        }
    }
}

void TestRoster::demoDeterminism()
{
    QCOMPARE(asCsv(demoRoster()), asCsv(demoRoster()));
    QCOMPARE(asCsv(demoRoster(37, 5)), asCsv(demoRoster(37, 5)));
    QVERIFY(demoRoster(100, 1) != demoRoster(100, 2));
    QCOMPARE(demoRoster(0).size(), 0);
}

void TestRoster::demoShape()
{
    const QList<NodeInfo> nodes = demoRoster();
    QCOMPARE(nodes.size(), 100);
    QCOMPARE(nodes.first().id, QStringLiteral("N001"));
    QCOMPARE(nodes.last().id, QStringLiteral("N100"));
    QCOMPARE(demoRoster(1000).last().id, QStringLiteral("N1000"));
    QCOMPARE(demoRoster(1000).first().id, QStringLiteral("N0001"));

    int generators[11] = {};
    int prosumers = 0;
    int consumers = 0;
    int pure = 0;
    int storage = 0;
    for (int i = 0; i < nodes.size(); ++i) {
        const NodeInfo &n = nodes[i];
        QCOMPARE(n.id, QStringLiteral("N%1").arg(i + 1, 3, 10, QLatin1Char('0')));
        QVERIFY(!n.name.isEmpty());
        QCOMPARE(n.group, std::optional<int>(1 + i / 10));
        QVERIFY(n.hasLocation());
        QVERIFY(std::abs(*n.lat - 38.87) < 0.05 && std::abs(*n.lon - 115.46) < 0.08);
        QVERIFY(n.capacityKw >= 3 && n.capacityKw <= 50);
        for (double a : {n.environmental, n.cost, n.stability}) {
            QVERIFY(a >= 0 && a <= 1);
            QCOMPARE(std::round(a * 100) / 100, a);
        }
        QVERIFY(!n.scoreOverride);
        QCOMPARE(n.state, MembershipState::Active);
        if (n.isGenerator())
            ++generators[*n.group];
        if (n.isProsumer())
            ++prosumers;
        else if (n.isStorage())
            ++storage;
        else if (n.isConsumer())
            ++consumers;
        else
            ++pure;
    }
    for (int g = 1; g <= 10; ++g)
        QVERIFY2(generators[g] > 0, qPrintable(QString::number(g)));
    // roughly 60/25/10/5
    QVERIFY2(prosumers >= 45 && prosumers <= 75, qPrintable(QString::number(prosumers)));
    QVERIFY2(consumers >= 12 && consumers <= 38, qPrintable(QString::number(consumers)));
    QVERIFY2(pure >= 3 && pure <= 20, qPrintable(QString::number(pure)));
    QVERIFY2(storage >= 1 && storage <= 12, qPrintable(QString::number(storage)));
}

void TestRoster::demoPaperBiller()
{
    for (quint64 seed : {quint64(20190601), quint64(1), quint64(99)}) {
        const QList<NodeInfo> nodes = demoRoster(100, seed);
        int top = -1;
        for (int i = 0; i < nodes.size(); ++i) {
            if (top < 0 || dbscaScoreMicro(nodes[i]) > dbscaScoreMicro(nodes[top]))
                top = i;
        }
        QCOMPARE(nodes[top].id, QStringLiteral("N053"));
        QCOMPARE(dbscaScoreMicro(nodes[top]), qint64(752000));
        QCOMPARE(dbscaScore(nodes[top]), 0.752);
        QVERIFY(nodes[top].isGenerator());
        QVERIFY(nodes[top].renewable);
        for (int i = 0; i < nodes.size(); ++i) {
            if (i != top)
                QVERIFY2(dbscaScoreMicro(nodes[i]) < 752000, qPrintable(nodes[i].id));
        }
    }
}

QTEST_GUILESS_MAIN(TestRoster)
#include "tst_roster.moc"
