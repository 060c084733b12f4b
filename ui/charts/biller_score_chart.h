#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QBarCategoryAxis;
class QBarSet;
class QChart;
class QValueAxis;
QT_END_NAMESPACE

namespace mg::ui {

class BillerScoreModel;

// Bars per sub-chain from BillerScoreModel: the biller's score and the best other member's.
class BillerScoreChart : public QWidget
{
    Q_OBJECT

public:
    explicit BillerScoreChart(BillerScoreModel &model, QWidget *parent = nullptr);

    int barCount() const;

private:
    void refresh();

    BillerScoreModel &m_model;
    QChart *m_chart = nullptr;
    QBarSet *m_biller = nullptr;
    QBarSet *m_runnerUp = nullptr;
    QBarCategoryAxis *m_x = nullptr;
    QValueAxis *m_y = nullptr;
};

} // namespace mg::ui
