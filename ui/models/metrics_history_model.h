#pragma once

#include "core/engine/microgrid.h"

#include <QAbstractTableModel>

namespace mg::ui {

// The snapshot's rate history as a table: one row per publish interval, oldest first (at most
// Snapshot::HistorySize rows). New intervals are appended with beginInsertRows and the oldest
// removed with beginRemoveRows; historyChanged() fires once per snapshot so charts redraw in
// one batch. Per sub-chain price and volume are two columns per sub-chain after the fixed ones.
class MetricsHistoryModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        TimeColumn,           // seconds since the first sample
        OrdersPerSecColumn,
        TradesPerSecColumn,
        BlocksPerSecColumn,
        ConsensusP50Column,   // ms
        FinalP50Column,       // ms
        GridImportColumn,     // kWh, cumulative
        GridExportColumn,     // kWh, cumulative
        GeneratedColumn,      // kWh, cumulative (metered, settled slots)
        ConsumedColumn,       // kWh, cumulative
        FixedColumnCount,
        // then per sub-chain i: FixedColumnCount + 2i = mean price, + 2i + 1 = volume (kWh)
    };
    enum Role { ValueRole = Qt::UserRole, NowMsRole, ChainIdRole };

    explicit MetricsHistoryModel(QObject *parent = nullptr);

    void setSnapshot(const std::shared_ptr<const engine::Snapshot> &snapshot);

    QList<engine::ChainId> chainIds() const { return m_chainIds; }
    int priceColumn(int chainIndex) const { return FixedColumnCount + 2 * chainIndex; }
    int volumeColumn(int chainIndex) const { return FixedColumnCount + 2 * chainIndex + 1; }
    // Raw value of a cell (the same as ValueRole), without a QVariant round trip.
    double value(int row, int column) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void historyChanged();

private:
    QList<engine::Snapshot::Sample> m_samples;
    QList<engine::ChainId> m_chainIds;
    qint64 m_originMs = 0;
};

} // namespace mg::ui
