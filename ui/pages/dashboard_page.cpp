#include "ui/pages/dashboard_page.h"

#include "core/engine/microgrid.h"
#include "ui/charts/biller_score_chart.h"
#include "ui/charts/history_chart.h"
#include "ui/map/network_map_view.h"
#include "ui/models/biller_score_model.h"
#include "ui/models/metrics_history_model.h"

#include <QFormLayout>
#include <QFrame>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>

namespace mg::ui {

namespace {
QString kwh(qint64 wh)
{
    return QLocale().toString(double(wh) / 1000.0, 'f', 1);
}

QString stateText(roster::MembershipState state)
{
    switch (state) {
    case roster::MembershipState::Pending: return DashboardPage::tr("Pending");
    case roster::MembershipState::Active: return DashboardPage::tr("Active");
    case roster::MembershipState::Suspended: return DashboardPage::tr("Suspended");
    case roster::MembershipState::Evicted: return DashboardPage::tr("Evicted");
    }
    return {};
}
} // namespace

DashboardPage::DashboardPage(mg::engine::Microgrid &microgrid, QWidget *parent)
    : QWidget(parent)
    , m_microgrid(microgrid)
    , m_history(new MetricsHistoryModel(this))
    , m_scores(new BillerScoreModel(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);

    // KPI strip: a caption over a value in each cell.
    auto *strip = new QFrame(this);
    strip->setFrameShape(QFrame::StyledPanel);
    auto *grid = new QGridLayout(strip);
    grid->setContentsMargins(8, 4, 8, 4);
    grid->setHorizontalSpacing(18);
    const QList<std::pair<Kpi, QString>> kpis{
        {Kpi::OrdersPerSec, tr("Orders/s")},
        {Kpi::TradesPerSec, tr("Trades/s")},
        {Kpi::BlocksPerSec, tr("Final blocks/s")},
        {Kpi::ConsensusLatency, tr("Consensus p50 / p99")},
        {Kpi::FinalLatency, tr("Order to final p50 / p99")},
        {Kpi::ChainHeights, tr("Chain heights")},
        {Kpi::GridImportExport, tr("Grid import / export")},
        {Kpi::Traded, tr("Traded")},
        {Kpi::Settlement, tr("Settlement")},
    };
    QFont valueFont = font();
    valueFont.setPointSizeF(valueFont.pointSizeF() * 1.25);
    valueFont.setBold(true);
    for (int i = 0; i < kpis.size(); ++i) {
        auto *caption = new QLabel(kpis[i].second, strip);
        caption->setStyleSheet(QStringLiteral("color: palette(mid);"));
        auto *value = new QLabel(tr("—"), strip);
        value->setFont(valueFont);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setObjectName(QStringLiteral("kpi%1").arg(int(kpis[i].first)));
        grid->addWidget(caption, 0, i);
        grid->addWidget(value, 1, i);
        m_kpis.insert(int(kpis[i].first), value);
    }
    layout->addWidget(strip);

    // Charts on the left, the map and its details on the right.
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    auto *charts = new QWidget(splitter);
    auto *chartGrid = new QGridLayout(charts);
    chartGrid->setContentsMargins(0, 0, 0, 0);
    chartGrid->setSpacing(4);
    using Line = HistoryChart::Line;
    using M = MetricsHistoryModel;
    m_throughput = new HistoryChart(*m_history, tr("Throughput"), tr("per second"), [](const M &) {
        return QList<Line>{{M::OrdersPerSecColumn, tr("Orders/s"), QColor(0x1f77b4)},
                           {M::TradesPerSecColumn, tr("Trades/s"), QColor(0x2ca02c)},
                           {M::BlocksPerSecColumn, tr("Final blocks/s"), QColor(0xd62728)}};
    }, charts);
    auto *latency = new HistoryChart(*m_history, tr("Latency (p50 since start)"), tr("ms"), [](const M &) {
        return QList<Line>{{M::ConsensusP50Column, tr("Consensus"), QColor(0x9467bd)},
                           {M::FinalP50Column, tr("Order to final"), QColor(0xff7f0e)}};
    }, charts);
    auto *price = new HistoryChart(*m_history, tr("Mean trade price per interval"), tr("milli per kWh"), [](const M &m) {
        QList<Line> lines;
        for (int i = 0; i < m.chainIds().size(); ++i)
            lines.append({m.priceColumn(i), tr("Sub-chain %1").arg(m.chainIds()[i]), chainColor(i)});
        return lines;
    }, charts);
    auto *volume = new HistoryChart(*m_history, tr("Traded volume per interval"), tr("kWh"), [](const M &m) {
        QList<Line> lines;
        for (int i = 0; i < m.chainIds().size(); ++i)
            lines.append({m.volumeColumn(i), tr("Sub-chain %1").arg(m.chainIds()[i]), chainColor(i)});
        return lines;
    }, charts);
    auto *energy = new HistoryChart(*m_history, tr("Energy over settled slots"), tr("kWh (cumulative)"), [](const M &) {
        return QList<Line>{{M::GeneratedColumn, tr("Generation"), QColor(0x2ca02c)},
                           {M::ConsumedColumn, tr("Consumption"), QColor(0xd62728)},
                           {M::GridImportColumn, tr("Grid import"), QColor(0x7f7f7f)},
                           {M::GridExportColumn, tr("Grid export"), QColor(0x17becf)}};
    }, charts);
    auto *scores = new BillerScoreChart(*m_scores, charts);
    chartGrid->addWidget(m_throughput, 0, 0);
    chartGrid->addWidget(latency, 0, 1);
    chartGrid->addWidget(price, 1, 0);
    chartGrid->addWidget(volume, 1, 1);
    chartGrid->addWidget(energy, 2, 0);
    chartGrid->addWidget(scores, 2, 1);

    auto *right = new QWidget(splitter);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    auto *mapTitle = new QLabel(tr("Network map"), right);
    QFont bold = font();
    bold.setBold(true);
    mapTitle->setFont(bold);
    rightLayout->addWidget(mapTitle);
    m_map = new NetworkMapView(right);
    rightLayout->addWidget(m_map, 1);
    rightLayout->addWidget(new MapLegend(right));
    auto *details = new QGroupBox(tr("Selected node"), right);
    auto *form = new QFormLayout(details);
    const QList<std::pair<QString, QString>> fields{
        {QStringLiteral("id"), tr("Id")},
        {QStringLiteral("name"), tr("Name")},
        {QStringLiteral("chain"), tr("Sub-chain")},
        {QStringLiteral("state"), tr("State")},
        {QStringLiteral("score"), tr("DBSCA score")},
        {QStringLiteral("biller"), tr("Biller")},
        {QStringLiteral("mempool"), tr("Mempool")},
    };
    for (const auto &[key, caption] : fields) {
        auto *value = new QLabel(tr("—"), details);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        form->addRow(caption, value);
        m_details.insert(key, value);
    }
    m_details.value(QStringLiteral("id"))->setText(tr("Click a node on the map"));
    rightLayout->addWidget(details);
    splitter->addWidget(charts);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    layout->addWidget(splitter, 1);

    connect(m_map, &NetworkMapView::nodeClicked, this, &DashboardPage::selectNode);
    connect(&m_microgrid, &mg::engine::Microgrid::snapshotChanged, this, &DashboardPage::onSnapshot);
    onSnapshot();
}

DashboardPage::~DashboardPage() = default;

void DashboardPage::onSnapshot()
{
    const std::shared_ptr<const engine::Snapshot> s = m_microgrid.snapshot();
    if (!s)
        return;
    const QLocale locale;
    const auto rate = [&locale](double v) { return locale.toString(v, 'f', v < 10 ? 2 : 1); };
    if (!s->history.isEmpty()) {
        const engine::Snapshot::Sample &last = s->history.last();
        m_kpis[int(Kpi::OrdersPerSec)]->setText(rate(last.ordersPerSec));
        m_kpis[int(Kpi::TradesPerSec)]->setText(rate(last.tradesPerSec));
        m_kpis[int(Kpi::BlocksPerSec)]->setText(rate(last.blocksPerSec));
    }
    m_kpis[int(Kpi::ConsensusLatency)]->setText(tr("%1 / %2 ms").arg(locale.toString(s->consensusP50Ms, 'f', 0),
                                                                      locale.toString(s->consensusP99Ms, 'f', 0)));
    m_kpis[int(Kpi::FinalLatency)]->setText(tr("%1 / %2 ms").arg(locale.toString(s->finalP50Ms, 'f', 0),
                                                                  locale.toString(s->finalP99Ms, 'f', 0)));
    quint64 parentHeight = 0, minSub = 0, maxSub = 0;
    bool anySub = false;
    for (const engine::ChainStatus &c : s->chains) {
        const quint64 h = c.blocks ? c.blocks - 1 : 0;
        if (c.isParent) {
            parentHeight = h;
        } else {
            minSub = anySub ? std::min(minSub, h) : h;
            maxSub = anySub ? std::max(maxSub, h) : h;
            anySub = true;
        }
    }
    m_kpis[int(Kpi::ChainHeights)]->setText(anySub ? tr("parent %1, sub %2–%3").arg(parentHeight).arg(minSub).arg(maxSub)
                                                   : tr("%1").arg(parentHeight));
    const engine::Snapshot::Totals &t = s->totals;
    m_kpis[int(Kpi::GridImportExport)]->setText(tr("%1 / %2 kWh").arg(kwh(t.gridImportWh), kwh(t.gridExportWh)));
    m_kpis[int(Kpi::Traded)]->setText(tr("%n trade(s), %1 kWh", nullptr, int(t.trades)).arg(kwh(t.energyTradedWh)));
    m_kpis[int(Kpi::Traded)]->setToolTip(tr("Orders final: %1\nMean price: %2 milli/kWh")
                                             .arg(t.orders).arg(locale.toString(t.meanPriceMilliPerKwh, 'f', 1)));
    m_kpis[int(Kpi::Settlement)]->setText(
        tr("%n slot(s), %1 default(s), %2", nullptr, int(t.settledSlots))
            .arg(t.defaults)
            .arg(t.conservationOk ? tr("balanced") : tr("IMBALANCE")));

    m_history->setSnapshot(s);
    m_scores->setSnapshot(s);
    m_map->setSnapshot(s);
    showDetails(*s);
}

void DashboardPage::selectNode(const QString &id)
{
    m_selected = id;
    m_map->setSelectedNode(id);
    if (const auto s = m_microgrid.snapshot())
        showDetails(*s);
}

void DashboardPage::showDetails(const engine::Snapshot &snapshot)
{
    if (m_selected.isEmpty())
        return;
    for (const engine::Snapshot::NodeStatus &n : snapshot.nodes) {
        if (n.id != m_selected)
            continue;
        m_details[QStringLiteral("id")]->setText(n.id);
        m_details[QStringLiteral("name")]->setText(n.name);
        m_details[QStringLiteral("chain")]->setText(n.chainId ? QString::number(n.chainId) : tr("none (parent chain)"));
        QString state = stateText(n.state);
        if (n.down)
            state = tr("%1, down").arg(state);
        if (n.fault != consensus::Fault::None)
            state = tr("%1, faulty").arg(state);
        m_details[QStringLiteral("state")]->setText(state);
        m_details[QStringLiteral("score")]->setText(QLocale().toString(double(n.scoreMicro) / 1e6, 'f', 3));
        m_details[QStringLiteral("biller")]->setText(n.isBiller ? tr("Yes") : tr("No"));
        m_details[QStringLiteral("mempool")]->setText(QLocale().toString(n.mempool));
        return;
    }
}

} // namespace mg::ui
