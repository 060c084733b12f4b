// The dashboard page over a running Microgrid (offscreen): models, KPI labels, charts, the map's
// click-to-details, and the event-loop stall figure under full load.

#include "engine_fixture.h"

#include "core/engine/microgrid.h"
#include "ui/charts/history_chart.h"
#include "ui/map/network_map_view.h"
#include "ui/models/biller_score_model.h"
#include "ui/models/metrics_history_model.h"
#include "ui/pages/dashboard_page.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QLabel>
#include <QSignalSpy>
#include <QtTest>

using namespace mg;
using ui::DashboardPage;

namespace {

engine::Scenario agentScenario(int nodes, int groups)
{
    engine::Scenario sc = test::demoScenario(nodes, groups, 0.5, 7);
    sc.agents = true;
    return sc;
}

// Waits (processing events) until pred holds or timeoutMs passes.
template<typename Pred>
bool waitFor(Pred pred, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!pred() && t.elapsed() < timeoutMs)
        QTest::qWait(20);
    return pred();
}

} // namespace

class TestUiDashboard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pageFollowsSnapshots();
    void eventLoopStallUnderLoad();
};

void TestUiDashboard::pageFollowsSnapshots()
{
    engine::Microgrid microgrid;
    DashboardPage page(microgrid);
    QAbstractItemModelTester historyTester(page.historyModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester scoreTester(page.scoreModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    page.resize(1500, 900);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));

    microgrid.start(agentScenario(20, 2), 120.0);
    // Trades need agents to order before a delivery slot: wait for some on the strip.
    QVERIFY(waitFor([&] { return page.historyModel()->rowCount() >= 20; }, 20000));
    QVERIFY(waitFor([&] { return microgrid.snapshot()->totals.trades > 0; }, 30000));
    QTest::qWait(500);

    const auto s = microgrid.snapshot();
    QVERIFY(!s->history.isEmpty());
    QVERIFY(s->history.size() <= engine::Snapshot::HistorySize);
    QCOMPARE(s->history.last().chains.size(), 2);
    QVERIFY(s->totals.conservationOk);

    QVERIFY(page.kpiLabel(DashboardPage::Kpi::OrdersPerSec)->text() != QStringLiteral("—"));
    QVERIFY(page.kpiLabel(DashboardPage::Kpi::ChainHeights)->text().contains(QStringLiteral("parent")));
    QVERIFY(page.kpiLabel(DashboardPage::Kpi::ConsensusLatency)->text().endsWith(QStringLiteral("ms")));
    QVERIFY(page.historyModel()->columnCount() == ui::MetricsHistoryModel::FixedColumnCount + 4);
    QVERIFY(page.historyModel()->rowCount() <= engine::Snapshot::HistorySize);
    QCOMPARE(page.throughputChart()->pointCount(ui::MetricsHistoryModel::OrdersPerSecColumn), page.historyModel()->rowCount());
    QCOMPARE(page.scoreModel()->rowCount(), 2);

    // The map: laid out once, then updated in place.
    ui::NetworkMapView *map = page.map();
    const int layouts = map->layoutCount();
    QCOMPARE(layouts, 1);
    QString biller;
    for (const auto &n : s->nodes)
        if (n.isBiller && n.chainId != 0)
            biller = n.id;
    QVERIFY(!biller.isEmpty());
    ui::NodeItem *item = map->nodeItem(biller);
    QVERIFY(item);
    QVERIFY(waitFor([&] { return item->look().biller; }, 2000));
    const QPoint pos = map->mapFromScene(item->scenePos());
    QTest::mouseClick(map->viewport(), Qt::LeftButton, {}, pos);
    QCOMPARE(page.selectedNode(), biller);
    QCOMPARE(page.detailLabel(QStringLiteral("id"))->text(), biller);
    QCOMPARE(page.detailLabel(QStringLiteral("biller"))->text(), DashboardPage::tr("Yes"));
    QTest::qWait(600);
    QCOMPARE(map->layoutCount(), layouts);

    // A crashed node shows as down in the details.
    microgrid.crash(biller, true);
    QVERIFY(waitFor([&] { return page.detailLabel(QStringLiteral("state"))->text().contains(DashboardPage::tr("down").left(3)); }, 5000));

    if (const QByteArray shot = qgetenv("MG_DASHBOARD_SHOT"); !shot.isEmpty()) {
        QTest::qWait(1500);
        QVERIFY(page.grab().save(QString::fromLocal8Bit(shot)));
        qInfo("dashboard screenshot: %s", shot.constData());
    }
    microgrid.stop();
}

void TestUiDashboard::eventLoopStallUnderLoad()
{
    engine::Microgrid microgrid;
    DashboardPage page(microgrid);
    page.resize(1500, 900);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    engine::Scenario sc = agentScenario(100, 10);
    sc.ordersPerNodePerSecond = 2.0;
    microgrid.start(sc, 200.0);
    QVERIFY(waitFor([&] { return page.historyModel()->rowCount() >= 3; }, 30000));

    // A 10 ms timer on the GUI thread: the longest gap between ticks is the stall figure.
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.elapsed(), longest = 0;
    int ticks = 0;
    QTimer timer;
    timer.setTimerType(Qt::PreciseTimer);
    connect(&timer, &QTimer::timeout, this, [&] {
        const qint64 now = clock.elapsed();
        longest = std::max(longest, now - last);
        last = now;
        ++ticks;
    });
    QSignalSpy snapshots(&microgrid, &engine::Microgrid::snapshotChanged);
    timer.start(10);
    QTest::qWait(8000);
    timer.stop();
    const auto s = microgrid.snapshot();
    qInfo("event-loop stall: longest gap between 10 ms ticks %lld ms over %d ticks; %lld snapshots in 8 s; "
          "100 nodes, 10 sub-chains, agents + 2 orders/node/s, speed 200; last interval %.0f orders/s, "
          "%.1f blocks/s (simulated)",
          longest, ticks, qlonglong(snapshots.size()), s->history.isEmpty() ? 0.0 : s->history.last().ordersPerSec,
          s->history.isEmpty() ? 0.0 : s->history.last().blocksPerSec);
    QVERIFY(ticks > 0);
    microgrid.stop();
}

QTEST_MAIN(TestUiDashboard)
#include "tst_ui_dashboard.moc"
