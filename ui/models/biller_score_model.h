#pragma once

#include "core/engine/microgrid.h"

#include <QAbstractTableModel>

namespace mg::ui {

// One row per sub-chain: its biller's DBSCA score and the best score among the other active
// members (the runner-up who would take over). Rows are reset only when the set of sub-chains
// changes; otherwise updates are one dataChanged over the table.
class BillerScoreModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { ChainColumn, BillerColumn, BillerScoreColumn, RunnerUpScoreColumn, ActiveMembersColumn, ColumnCount };
    enum Role { ChainIdRole = Qt::UserRole, ValueRole };

    explicit BillerScoreModel(QObject *parent = nullptr);

    void setSnapshot(const std::shared_ptr<const engine::Snapshot> &snapshot);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        engine::ChainId chainId = 0;
        QString biller;
        double billerScore = 0;
        double runnerUpScore = 0;
        int activeMembers = 0;
    };
    QList<Row> m_rows;
};

} // namespace mg::ui
