#include "core/roster/demo_roster.h"
#include "core/roster/grouping.h"

#include <QTest>

#include <random>

using namespace mg::roster;

using Groups = QList<QList<int>>;

Q_DECLARE_METATYPE(NodeInfo)
Q_DECLARE_METATYPE(QList<NodeInfo>)

namespace {

NodeInfo located(const QString &id, double lat, double lon)
{
    NodeInfo n;
    n.id = id;
    n.lat = lat;
    n.lon = lon;
    return n;
}

NodeInfo grouped(const QString &id, int group)
{
    NodeInfo n;
    n.id = id;
    n.group = group;
    return n;
}

QList<NodeInfo> plainNodes(int count)
{
    QList<NodeInfo> nodes;
    for (int i = 0; i < count; ++i) {
        NodeInfo n;
        n.id = QStringLiteral("N%1").arg(i + 1, 3, 10, QLatin1Char('0'));
        nodes.append(n);
    }
    return nodes;
}

// Three clusters of five about 10 km apart, interleaved in roster order, ids not sorted by index.
QList<NodeInfo> threeClusters()
{
    const double centres[3][2] = {{38.80, 115.40}, {38.90, 115.40}, {38.85, 115.52}};
    QList<NodeInfo> nodes;
    for (int j = 0; j < 5; ++j) {
        for (int c = 0; c < 3; ++c) {
            const int serial = 99 - int(nodes.size());
            nodes.append(located(QStringLiteral("C%1").arg(serial), centres[c][0] + 0.002 * (j % 3) - 0.002,
                                 centres[c][1] + 0.003 * (j / 3) - 0.001 * j));
        }
    }
    return nodes;
}

QList<int> sizes(const Groups &groups)
{
    QList<int> out;
    for (const QList<int> &g : groups)
        out.append(int(g.size()));
    return out;
}

// Groups partition 0..n-1, each ascending, non-empty.
bool isPartition(const Groups &groups, int n)
{
    QList<bool> seen(n, false);
    for (const QList<int> &g : groups) {
        if (g.isEmpty())
            return false;
        for (int k = 0; k < g.size(); ++k) {
            const int i = g[k];
            if (i < 0 || i >= n || seen[i] || (k > 0 && g[k - 1] >= i))
                return false;
            seen[i] = true;
        }
    }
    return !seen.contains(false);
}

bool orderedByFirstIndex(const Groups &groups)
{
    for (int g = 1; g < groups.size(); ++g) {
        if (groups[g - 1].front() >= groups[g].front())
            return false;
    }
    return true;
}

} // namespace

class TestGrouping : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bySerial_data();
    void bySerial();
    void byColumn();
    void byLocationClusters();
    void byLocationBalanced_data();
    void byLocationBalanced();
    void byLocationDemoRoster();
    void autoMode_data();
    void autoMode();
    void errors_data();
    void errors();
    void nearestGroup_data();
    void nearestGroup();
    void distance();
};

void TestGrouping::bySerial_data()
{
    QTest::addColumn<int>("nodes");
    QTest::addColumn<int>("groups");
    QTest::addColumn<QList<int>>("expectedSizes");

    QTest::newRow("paper 100/10") << 100 << 10 << QList<int>(10, 10);
    QTest::newRow("10/3") << 10 << 3 << QList<int>{4, 3, 3};
    QTest::newRow("11/4") << 11 << 4 << QList<int>{3, 3, 3, 2};
    QTest::newRow("5/5") << 5 << 5 << QList<int>(5, 1);
    QTest::newRow("7/1") << 7 << 1 << QList<int>{7};
}

void TestGrouping::bySerial()
{
    QFETCH(int, nodes);
    QFETCH(int, groups);
    QFETCH(QList<int>, expectedSizes);

    const auto result = groupNodes(plainNodes(nodes), groups, GroupingMode::BySerial);
    QVERIFY2(result.ok(), qPrintable(result.errorString()));
    QCOMPARE(sizes(*result), expectedSizes);
    int next = 0;
    for (const QList<int> &g : *result) {
        for (int i : g)
            QCOMPARE(i, next++);
    }
    QCOMPARE(next, nodes);
}

void TestGrouping::byColumn()
{
    const QList<NodeInfo> nodes{grouped(QStringLiteral("A"), 5), grouped(QStringLiteral("B"), 2),
                                grouped(QStringLiteral("C"), 9), grouped(QStringLiteral("D"), 2),
                                grouped(QStringLiteral("E"), 5)};
    const Groups expected{{1, 3}, {0, 4}, {2}};
    // groupCount is ignored: the column decides
    for (int count : {0, 3, 7}) {
        const auto result = groupNodes(nodes, count, GroupingMode::ByColumn);
        QVERIFY2(result.ok(), qPrintable(result.errorString()));
        QCOMPARE(*result, expected);
    }
    const auto empty = groupNodes({}, 0, GroupingMode::ByColumn);
    QVERIFY(empty.ok());
    QVERIFY(empty->isEmpty());
}

void TestGrouping::byLocationClusters()
{
    const QList<NodeInfo> nodes = threeClusters();
    const auto result = groupNodes(nodes, 3, GroupingMode::ByLocation);
    QVERIFY2(result.ok(), qPrintable(result.errorString()));
    const Groups expected{{0, 3, 6, 9, 12}, {1, 4, 7, 10, 13}, {2, 5, 8, 11, 14}};
    QCOMPARE(*result, expected);

    // Same input, same answer; and reversing the roster finds the same clusters.
    QCOMPARE(*groupNodes(nodes, 3, GroupingMode::ByLocation), *result);
    QList<NodeInfo> reversed(nodes.rbegin(), nodes.rend());
    const auto back = groupNodes(reversed, 3, GroupingMode::ByLocation);
    QVERIFY(back.ok());
    const Groups expectedBack{{0, 3, 6, 9, 12}, {1, 4, 7, 10, 13}, {2, 5, 8, 11, 14}};
    QCOMPARE(*back, expectedBack);

    // Six groups (at most three each): every cluster splits in two, never across clusters.
    const auto six = groupNodes(nodes, 6, GroupingMode::ByLocation);
    QVERIFY(six.ok());
    QCOMPARE(six->size(), 6);
    for (const QList<int> &g : *six) {
        QVERIFY(g.size() == 2 || g.size() == 3);
        for (int i : g)
            QCOMPARE(i % 3, g.front() % 3);
    }
}

void TestGrouping::byLocationBalanced_data()
{
    QTest::addColumn<QList<NodeInfo>>("nodes");

    std::mt19937_64 rng(7);
    const auto unit = [&rng] { return double(rng() >> 11) * 0x1.0p-53; };
    for (int n : {1, 2, 5, 10, 17, 30}) {
        QList<NodeInfo> nodes;
        for (int i = 0; i < n; ++i)
            nodes.append(located(QStringLiteral("R%1").arg(i), 38.8 + 0.1 * unit(), 115.4 + 0.1 * unit()));
        QTest::newRow(qPrintable(QStringLiteral("random %1").arg(n))) << nodes;
    }
    QList<NodeInfo> skewed; // most nodes in one spot: capacity must push them out
    for (int i = 0; i < 12; ++i)
        skewed.append(located(QStringLiteral("S%1").arg(i), 38.8 + (i < 10 ? 0.0001 * i : 0.5), 115.4));
    QTest::newRow("skewed") << skewed;
    QList<NodeInfo> same; // identical points
    for (int i = 0; i < 10; ++i)
        same.append(located(QStringLiteral("D%1").arg(i), 38.87, 115.46));
    QTest::newRow("duplicates") << same;
}

void TestGrouping::byLocationBalanced()
{
    QFETCH(QList<NodeInfo>, nodes);
    const int n = int(nodes.size());
    for (int k = 1; k <= n; ++k) {
        const auto result = groupNodes(nodes, k, GroupingMode::ByLocation);
        QVERIFY2(result.ok(), qPrintable(result.errorString()));
        const Groups &groups = *result;
        QCOMPARE(groups.size(), k);
        QVERIFY(isPartition(groups, n));
        QVERIFY(orderedByFirstIndex(groups));
        const int capacity = (n + k - 1) / k;
        for (const QList<int> &g : groups)
            QVERIFY2(g.size() <= capacity, qPrintable(QStringLiteral("k=%1 size %2").arg(k).arg(g.size())));
        QCOMPARE(*groupNodes(nodes, k, GroupingMode::ByLocation), groups);
    }
}

void TestGrouping::byLocationDemoRoster()
{
    // The demo roster's groups are spatially separate: location grouping recovers them.
    const QList<NodeInfo> nodes = demoRoster();
    const auto byLocation = groupNodes(nodes, 10, GroupingMode::ByLocation);
    const auto byColumn = groupNodes(nodes, 10, GroupingMode::ByColumn);
    QVERIFY(byLocation.ok() && byColumn.ok());
    QCOMPARE(*byLocation, *byColumn);
    QCOMPARE(*byColumn, *groupNodes(nodes, 10, GroupingMode::BySerial));
}

void TestGrouping::autoMode_data()
{
    QTest::addColumn<QList<NodeInfo>>("nodes");
    QTest::addColumn<int>("groupCount");
    QTest::addColumn<int>("expectedMode");

    QList<NodeInfo> withGroups = threeClusters();
    for (int i = 0; i < withGroups.size(); ++i)
        withGroups[i].group = 1 + i / 5; // disagrees with the locations on purpose
    QTest::newRow("column wins") << withGroups << 3 << int(GroupingMode::ByColumn);
    QTest::newRow("column, count 0") << withGroups << 0 << int(GroupingMode::ByColumn);
    QTest::newRow("location") << threeClusters() << 3 << int(GroupingMode::ByLocation);

    QList<NodeInfo> partlyLocated = threeClusters();
    partlyLocated[4].lat.reset();
    partlyLocated[4].lon.reset();
    QTest::newRow("serial: a node without location") << partlyLocated << 3 << int(GroupingMode::BySerial);
    QList<NodeInfo> partlyGrouped = threeClusters();
    partlyGrouped[0].group = 1;
    QTest::newRow("location: a node without group") << partlyGrouped << 3 << int(GroupingMode::ByLocation);
    QTest::newRow("serial: plain") << plainNodes(10) << 3 << int(GroupingMode::BySerial);
}

void TestGrouping::autoMode()
{
    QFETCH(QList<NodeInfo>, nodes);
    QFETCH(int, groupCount);
    QFETCH(int, expectedMode);

    const auto automatic = groupNodes(nodes, groupCount, GroupingMode::Auto);
    const auto explicitMode = groupNodes(nodes, groupCount, GroupingMode(expectedMode));
    QVERIFY2(automatic.ok(), qPrintable(automatic.errorString()));
    QVERIFY(explicitMode.ok());
    QCOMPARE(*automatic, *explicitMode);
}

void TestGrouping::errors_data()
{
    QTest::addColumn<QList<NodeInfo>>("nodes");
    QTest::addColumn<int>("groupCount");
    QTest::addColumn<int>("mode");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("fragment");

    QTest::newRow("auto, count 0, no groups") << plainNodes(5) << 0 << int(GroupingMode::Auto)
                                              << QStringLiteral("grouping.count") << QStringLiteral("0");
    QTest::newRow("serial, negative count") << plainNodes(5) << -2 << int(GroupingMode::BySerial)
                                            << QStringLiteral("grouping.count") << QStringLiteral("-2");
    QTest::newRow("serial, more groups than nodes") << plainNodes(5) << 6 << int(GroupingMode::BySerial)
                                                    << QStringLiteral("grouping.count") << QStringLiteral("6");
    QTest::newRow("location, more groups than nodes") << threeClusters() << 16 << int(GroupingMode::ByLocation)
                                                      << QStringLiteral("grouping.count") << QStringLiteral("16");
    QTest::newRow("serial, empty roster") << QList<NodeInfo>{} << 0 << int(GroupingMode::BySerial)
                                        << QStringLiteral("grouping.count") << QStringLiteral("0");

    QList<NodeInfo> partlyGrouped{grouped(QStringLiteral("A"), 1), grouped(QStringLiteral("B"), 1)};
    partlyGrouped.append(plainNodes(1));
    QTest::newRow("column, missing group") << partlyGrouped << 0 << int(GroupingMode::ByColumn)
                                           << QStringLiteral("grouping.column") << QStringLiteral("'N001'");

    QList<NodeInfo> partlyLocated = threeClusters();
    partlyLocated[7].lon.reset();
    QTest::newRow("location, missing lon") << partlyLocated << 3 << int(GroupingMode::ByLocation)
                                           << QStringLiteral("grouping.location")
                                           << QStringLiteral("'%1'").arg(partlyLocated[7].id);
}

void TestGrouping::errors()
{
    QFETCH(QList<NodeInfo>, nodes);
    QFETCH(int, groupCount);
    QFETCH(int, mode);
    QFETCH(QString, code);
    QFETCH(QString, fragment);

    const auto result = groupNodes(nodes, groupCount, GroupingMode(mode));
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, code);
    QVERIFY2(result.error().message.contains(fragment), qPrintable(result.error().message));
}

void TestGrouping::nearestGroup_data()
{
    QTest::addColumn<NodeInfo>("node");
    QTest::addColumn<int>("maxGroupSize");
    QTest::addColumn<int>("expected");

    // Groups of threeClusters(): 0 = south-west, 1 = north-west, 2 = east, sizes 5 each.
    QTest::newRow("nearest: north-west") << located(QStringLiteral("J"), 38.91, 115.39) << 6 << 1;
    QTest::newRow("nearest: east") << located(QStringLiteral("J"), 38.85, 115.60) << 6 << 2;
    QTest::newRow("full groups") << located(QStringLiteral("J"), 38.85, 115.60) << 5 << -1;
    QTest::newRow("no location: smallest, lowest index") << NodeInfo{} << 6 << 0;
}

void TestGrouping::nearestGroup()
{
    QFETCH(NodeInfo, node);
    QFETCH(int, maxGroupSize);
    QFETCH(int, expected);

    const QList<NodeInfo> nodes = threeClusters();
    const auto groups = groupNodes(nodes, 3, GroupingMode::ByLocation);
    QVERIFY(groups.ok());
    QCOMPARE(nearestGroupWithRoom(node, nodes, *groups, maxGroupSize), expected);
}

void TestGrouping::distance()
{
    // One degree of latitude is about 111.2 km; longitude shrinks with cos(lat).
    QVERIFY(qAbs(equirectangularKm(0, 0, 1, 0) - 111.19) < 0.01);
    QVERIFY(qAbs(equirectangularKm(60, 0, 60, 1) - 55.6) < 0.1);
    QCOMPARE(equirectangularKm(38.87, 115.46, 38.87, 115.46), 0.0);

    // Room and size rules without locations.
    const QList<NodeInfo> nodes = plainNodes(6);
    const Groups groups{{0, 1, 2}, {3}, {4, 5}};
    QCOMPARE(nearestGroupWithRoom(nodes[0], nodes, groups, 10), 1);
    QCOMPARE(nearestGroupWithRoom(nodes[0], nodes, Groups{{0, 1}, {2, 3}, {4}}, 2), 2);
    QCOMPARE(nearestGroupWithRoom(nodes[0], nodes, Groups{{0, 1}, {2, 3}}, 2), -1);
    QCOMPARE(nearestGroupWithRoom(nodes[0], nodes, Groups{}, 2), -1);
    // A located joiner still gets a group when no group has a located member.
    QCOMPARE(nearestGroupWithRoom(located(QStringLiteral("J"), 1, 1), nodes, groups, 3), 1);
}

QTEST_GUILESS_MAIN(TestGrouping)
#include "tst_grouping.moc"
