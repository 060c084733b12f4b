#include "ui/charts/history_chart.h"

#include "ui/models/metrics_history_model.h"

#include <QChart>
#include <QChartView>
#include <QGraphicsLayout>
#include <QLineSeries>
#include <QValueAxis>
#include <QVBoxLayout>

#include <cmath>

namespace mg::ui {

QColor chainColor(int index)
{
    static const QColor palette[] = {QColor(0x1f77b4), QColor(0xff7f0e), QColor(0x2ca02c), QColor(0xd62728),
                                     QColor(0x9467bd), QColor(0x8c564b), QColor(0xe377c2), QColor(0x17becf),
                                     QColor(0xbcbd22), QColor(0x7f7f7f)};
    return palette[qsizetype(index) % std::size(palette)];
}

HistoryChart::HistoryChart(MetricsHistoryModel &model, const QString &title, const QString &yTitle, LineSource lines,
                           QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_lines(std::move(lines))
{
    m_chart = new QChart;
    m_chart->setTitle(title);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->layout()->setContentsMargins(0, 0, 0, 0);
    QFont titleFont = m_chart->titleFont();
    titleFont.setBold(true);
    m_chart->setTitleFont(titleFont);
    m_x = new QValueAxis;
    m_x->setTitleText(tr("Simulated time (s)"));
    m_x->setLabelFormat(QStringLiteral("%.0f"));
    m_x->setTickCount(5);
    m_y = new QValueAxis;
    m_y->setTitleText(yTitle);
    m_y->setLabelFormat(QStringLiteral("%.4g"));
    m_y->setTickCount(5);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    m_view = new QChartView(m_chart, this);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumSize(260, 190);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    connect(&m_model, &MetricsHistoryModel::historyChanged, this, &HistoryChart::refresh);
    connect(&m_model, &QAbstractItemModel::modelReset, this, &HistoryChart::refresh);
    refresh();
}

int HistoryChart::pointCount(int column) const
{
    for (qsizetype i = 0; i < m_current.size(); ++i)
        if (m_current[i].column == column)
            return int(m_series[i]->count());
    return 0;
}

void HistoryChart::refresh()
{
    const QList<Line> lines = m_lines(m_model);
    bool same = lines.size() == m_current.size();
    for (qsizetype i = 0; same && i < lines.size(); ++i)
        same = lines[i].column == m_current[i].column && lines[i].name == m_current[i].name;
    if (!same) {
        for (QLineSeries *s : std::as_const(m_series)) {
            m_chart->removeSeries(s);
            delete s;
        }
        m_series.clear();
        for (const Line &l : lines) {
            auto *s = new QLineSeries;
            s->setName(l.name);
            QPen pen(l.color);
            pen.setWidthF(2.0);
            s->setPen(pen);
            m_chart->addSeries(s);
            s->attachAxis(m_x);
            s->attachAxis(m_y);
            m_series.append(s);
        }
        m_current = lines;
    }
    const int rows = m_model.rowCount();
    double minX = 0, maxX = 1, maxY = 0;
    if (rows > 0) {
        minX = m_model.value(0, MetricsHistoryModel::TimeColumn);
        maxX = std::max(minX + 1.0, m_model.value(rows - 1, MetricsHistoryModel::TimeColumn));
    }
    for (qsizetype i = 0; i < m_current.size(); ++i) {
        QList<QPointF> points;
        points.reserve(rows);
        for (int r = 0; r < rows; ++r) {
            const double y = m_model.value(r, m_current[i].column);
            maxY = std::max(maxY, y);
            points.append(QPointF(m_model.value(r, MetricsHistoryModel::TimeColumn), y));
        }
        m_series[i]->replace(points); // one batch per snapshot
    }
    m_x->setRange(minX, maxX);
    // A rounded top so the axis labels do not jitter with every sample.
    double top = 1.0;
    if (maxY > 0) {
        const double magnitude = std::pow(10.0, std::floor(std::log10(maxY)));
        top = std::ceil(maxY * 1.1 / magnitude * 2.0) / 2.0 * magnitude;
    }
    m_y->setRange(0, top);
}

} // namespace mg::ui
