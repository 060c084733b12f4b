#pragma once

#include "core/engine/microgrid.h"

#include <QAbstractTableModel>

namespace mg::ui {

// One row per chain (parent first) from the engine's snapshots. Raw values in roles, formatted
// text in DisplayRole; rows are inserted/removed only when the set of chains changes, otherwise
// updates are a dataChanged over the whole table.
class ChainTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { ChainColumn, HeightColumn, TransactionsColumn, BillerColumn, ScoreColumn, MembersColumn, ElectionsColumn, ColumnCount };
    enum Role { ChainIdRole = Qt::UserRole, HeightRole, BillerRole, IsParentRole };

    explicit ChainTableModel(QObject *parent = nullptr);

    void setSnapshot(const std::shared_ptr<const engine::Snapshot> &snapshot);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<engine::ChainStatus> m_chains;
};

} // namespace mg::ui
