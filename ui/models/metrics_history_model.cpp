#include "ui/models/metrics_history_model.h"

namespace mg::ui {

namespace {
QList<engine::ChainId> chainIdsOf(const engine::Snapshot::Sample &s)
{
    QList<engine::ChainId> ids;
    for (const engine::Snapshot::ChainSample &c : s.chains)
        ids.append(c.chainId);
    return ids;
}
} // namespace

MetricsHistoryModel::MetricsHistoryModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void MetricsHistoryModel::setSnapshot(const std::shared_ptr<const engine::Snapshot> &snapshot)
{
    const QList<engine::Snapshot::Sample> &history = snapshot->history;
    const QList<engine::ChainId> ids = history.isEmpty() ? QList<engine::ChainId>{} : chainIdsOf(history.last());
    // Samples newer than our last one are appended; anything else (a restart, other chains) resets.
    qsizetype firstNew = 0;
    bool reset = ids != m_chainIds;
    if (!reset && !m_samples.isEmpty()) {
        const qint64 lastMs = m_samples.last().nowMs;
        while (firstNew < history.size() && history[firstNew].nowMs <= lastMs)
            ++firstNew;
        reset = history.isEmpty(); // a restarted engine
        if (firstNew > 0 && history[firstNew - 1].nowMs != lastMs)
            reset = true;
    }
    if (reset) {
        beginResetModel();
        m_samples = history;
        m_chainIds = ids;
        m_originMs = history.isEmpty() ? 0 : history.first().nowMs;
        endResetModel();
        Q_EMIT historyChanged();
        return;
    }
    if (m_samples.isEmpty() && !history.isEmpty())
        m_originMs = history.first().nowMs;
    const qsizetype added = history.size() - firstNew;
    if (added > 0) {
        beginInsertRows({}, int(m_samples.size()), int(m_samples.size() + added - 1));
        m_samples.append(history.mid(firstNew));
        endInsertRows();
    }
    const qsizetype excess = m_samples.size() - engine::Snapshot::HistorySize;
    if (excess > 0) {
        beginRemoveRows({}, 0, int(excess - 1));
        m_samples.remove(0, excess);
        endRemoveRows();
    }
    if (added > 0)
        Q_EMIT historyChanged();
}

double MetricsHistoryModel::value(int row, int column) const
{
    if (row < 0 || row >= m_samples.size())
        return 0.0;
    const engine::Snapshot::Sample &s = m_samples[row];
    switch (column) {
    case TimeColumn: return double(s.nowMs - m_originMs) / 1000.0;
    case OrdersPerSecColumn: return s.ordersPerSec;
    case TradesPerSecColumn: return s.tradesPerSec;
    case BlocksPerSecColumn: return s.blocksPerSec;
    case ConsensusP50Column: return s.consensusP50Ms;
    case FinalP50Column: return s.finalP50Ms;
    case GridImportColumn: return double(s.gridImportWh) / 1000.0;
    case GridExportColumn: return double(s.gridExportWh) / 1000.0;
    case GeneratedColumn: return double(s.generatedWh) / 1000.0;
    case ConsumedColumn: return double(s.consumedWh) / 1000.0;
    default: break;
    }
    const int chain = (column - FixedColumnCount) / 2;
    if (chain < 0 || chain >= s.chains.size())
        return 0.0;
    const engine::Snapshot::ChainSample &c = s.chains[chain];
    return (column - FixedColumnCount) % 2 == 0 ? c.meanPriceMilliPerKwh : double(c.volumeWh) / 1000.0;
}

int MetricsHistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_samples.size());
}

int MetricsHistoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : FixedColumnCount + 2 * int(m_chainIds.size());
}

QVariant MetricsHistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    switch (role) {
    case ValueRole: return value(index.row(), index.column());
    case NowMsRole: return m_samples[index.row()].nowMs;
    case ChainIdRole:
        return index.column() >= FixedColumnCount ? QVariant(m_chainIds[(index.column() - FixedColumnCount) / 2]) : QVariant();
    case Qt::TextAlignmentRole: return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::DisplayRole: {
        const double v = value(index.row(), index.column());
        return QString::number(v, 'f', index.column() == TimeColumn ? 1 : 2);
    }
    }
    return {};
}

QVariant MetricsHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= columnCount())
        return {};
    switch (section) {
    case TimeColumn: return tr("Time (s)");
    case OrdersPerSecColumn: return tr("Orders/s");
    case TradesPerSecColumn: return tr("Trades/s");
    case BlocksPerSecColumn: return tr("Final blocks/s");
    case ConsensusP50Column: return tr("Consensus p50 (ms)");
    case FinalP50Column: return tr("Order to final p50 (ms)");
    case GridImportColumn: return tr("Grid import (kWh)");
    case GridExportColumn: return tr("Grid export (kWh)");
    case GeneratedColumn: return tr("Generation (kWh)");
    case ConsumedColumn: return tr("Consumption (kWh)");
    default: break;
    }
    const engine::ChainId id = m_chainIds[(section - FixedColumnCount) / 2];
    return (section - FixedColumnCount) % 2 == 0 ? tr("Sub-chain %1 price (milli/kWh)").arg(id)
                                                 : tr("Sub-chain %1 volume (kWh)").arg(id);
}

} // namespace mg::ui
