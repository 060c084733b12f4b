#pragma once

#include <QHash>
#include <QWidget>

#include <memory>

QT_BEGIN_NAMESPACE
class QLabel;
QT_END_NAMESPACE

namespace mg::engine {
class Microgrid;
struct Snapshot;
}

namespace mg::ui {

class BillerScoreChart;
class BillerScoreModel;
class HistoryChart;
class MetricsHistoryModel;
class NetworkMapView;

// The dashboard: a KPI strip, charts over the snapshot history and the network map. Everything
// comes from Microgrid snapshots on snapshotChanged(); nothing here calls into the engine.
class DashboardPage : public QWidget
{
    Q_OBJECT

public:
    explicit DashboardPage(mg::engine::Microgrid &microgrid, QWidget *parent = nullptr);
    ~DashboardPage() override;

    // Named parts, for tests.
    enum class Kpi { OrdersPerSec, TradesPerSec, BlocksPerSec, ConsensusLatency, FinalLatency, ChainHeights,
                     GridImportExport, Traded, Settlement };
    QLabel *kpiLabel(Kpi kpi) const { return m_kpis.value(int(kpi)); }
    MetricsHistoryModel *historyModel() const { return m_history; }
    BillerScoreModel *scoreModel() const { return m_scores; }
    NetworkMapView *map() const { return m_map; }
    HistoryChart *throughputChart() const { return m_throughput; }
    QString selectedNode() const { return m_selected; }
    QLabel *detailLabel(const QString &field) const { return m_details.value(field); }

private:
    void onSnapshot();
    void showDetails(const mg::engine::Snapshot &snapshot);
    void selectNode(const QString &id);

    mg::engine::Microgrid &m_microgrid;
    QHash<int, QLabel *> m_kpis;
    QHash<QString, QLabel *> m_details;
    MetricsHistoryModel *m_history = nullptr;
    BillerScoreModel *m_scores = nullptr;
    HistoryChart *m_throughput = nullptr;
    NetworkMapView *m_map = nullptr;
    QString m_selected;
};

} // namespace mg::ui
