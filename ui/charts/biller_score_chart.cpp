#include "ui/charts/biller_score_chart.h"

#include "ui/models/biller_score_model.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QGraphicsLayout>
#include <QValueAxis>
#include <QVBoxLayout>

namespace mg::ui {

BillerScoreChart::BillerScoreChart(BillerScoreModel &model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
{
    m_chart = new QChart;
    m_chart->setTitle(tr("DBSCA scores per sub-chain"));
    QFont titleFont = m_chart->titleFont();
    titleFont.setBold(true);
    m_chart->setTitleFont(titleFont);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->layout()->setContentsMargins(0, 0, 0, 0);
    m_biller = new QBarSet(tr("Biller"));
    m_biller->setColor(QColor(0xe6a100));
    m_runnerUp = new QBarSet(tr("Best other member"));
    m_runnerUp->setColor(QColor(0x8fa8c8));
    auto *series = new QBarSeries;
    series->append(m_biller);
    series->append(m_runnerUp);
    m_chart->addSeries(series);
    m_x = new QBarCategoryAxis;
    m_y = new QValueAxis;
    m_y->setRange(0, 1);
    m_y->setTitleText(tr("Score"));
    m_y->setLabelFormat(QStringLiteral("%.2f"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    series->attachAxis(m_x);
    series->attachAxis(m_y);
    auto *view = new QChartView(m_chart, this);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(260, 190);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view);
    connect(&m_model, &QAbstractItemModel::dataChanged, this, &BillerScoreChart::refresh);
    connect(&m_model, &QAbstractItemModel::modelReset, this, &BillerScoreChart::refresh);
    refresh();
}

int BillerScoreChart::barCount() const
{
    return int(m_biller->count());
}

void BillerScoreChart::refresh()
{
    const int rows = m_model.rowCount();
    QStringList categories;
    QList<qreal> biller, runnerUp;
    for (int r = 0; r < rows; ++r) {
        categories.append(QString::number(m_model.data(m_model.index(r, BillerScoreModel::ChainColumn), BillerScoreModel::ValueRole).toInt()));
        biller.append(m_model.data(m_model.index(r, BillerScoreModel::BillerScoreColumn), BillerScoreModel::ValueRole).toDouble());
        runnerUp.append(m_model.data(m_model.index(r, BillerScoreModel::RunnerUpScoreColumn), BillerScoreModel::ValueRole).toDouble());
    }
    if (m_x->categories() != categories) {
        m_x->clear();
        m_x->append(categories);
        m_x->setTitleText(tr("Sub-chain"));
    }
    // Same number of bars: change values in place; else rebuild the sets once.
    if (m_biller->count() == rows) {
        for (int r = 0; r < rows; ++r) {
            if (m_biller->at(r) != biller[r])
                m_biller->replace(r, biller[r]);
            if (m_runnerUp->at(r) != runnerUp[r])
                m_runnerUp->replace(r, runnerUp[r]);
        }
    } else {
        m_biller->remove(0, m_biller->count());
        m_runnerUp->remove(0, m_runnerUp->count());
        m_biller->append(biller);
        m_runnerUp->append(runnerUp);
    }
}

} // namespace mg::ui
