#pragma once

#include <QColor>
#include <QWidget>

#include <functional>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace mg::ui {

class MetricsHistoryModel;

// A line chart over MetricsHistoryModel: x = its TimeColumn, one line per column given by
// `lines` (re-evaluated when the model's columns change, e.g. per sub-chain). Redraws once per
// historyChanged() with QLineSeries::replace(), so a snapshot costs one repaint per chart.
class HistoryChart : public QWidget
{
    Q_OBJECT

public:
    struct Line
    {
        int column = 0;
        QString name;
        QColor color;
    };
    using LineSource = std::function<QList<Line>(const MetricsHistoryModel &)>;

    HistoryChart(MetricsHistoryModel &model, const QString &title, const QString &yTitle, LineSource lines,
                 QWidget *parent = nullptr);

    QChart *chart() const { return m_chart; }
    // Points in the line for `column` (0 when no such line); for tests.
    int pointCount(int column) const;

private:
    void refresh();

    MetricsHistoryModel &m_model;
    LineSource m_lines;
    QChart *m_chart = nullptr;
    QChartView *m_view = nullptr;
    QValueAxis *m_x = nullptr;
    QValueAxis *m_y = nullptr;
    QList<Line> m_current;
    QList<QLineSeries *> m_series;
};

// The colour used for sub-chain `index` in every chart and in the network map.
QColor chainColor(int index);

} // namespace mg::ui
