#include "ui/models/chain_table_model.h"

namespace mg::ui {

ChainTableModel::ChainTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void ChainTableModel::setSnapshot(const std::shared_ptr<const engine::Snapshot> &snapshot)
{
    const QList<engine::ChainStatus> &chains = snapshot->chains;
    bool sameRows = chains.size() == m_chains.size();
    for (qsizetype i = 0; sameRows && i < chains.size(); ++i)
        sameRows = chains[i].id == m_chains[i].id;
    if (!sameRows) {
        beginResetModel();
        m_chains = chains;
        endResetModel();
        return;
    }
    m_chains = chains;
    if (!m_chains.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int ChainTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_chains.size());
}

int ChainTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ChainTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const engine::ChainStatus &c = m_chains[index.row()];
    switch (role) {
    case ChainIdRole: return c.id;
    case HeightRole: return qulonglong(c.blocks);
    case BillerRole: return c.biller;
    case IsParentRole: return c.isParent;
    case Qt::TextAlignmentRole:
        return index.column() == ChainColumn || index.column() == BillerColumn
            ? QVariant(Qt::AlignLeft | Qt::AlignVCenter) : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::DisplayRole:
        switch (index.column()) {
        case ChainColumn: return c.isParent ? tr("Parent chain") : tr("Sub-chain %1").arg(c.id);
        case HeightColumn: return c.blocks ? QString::number(c.blocks - 1) : tr("—");
        case TransactionsColumn: return QString::number(c.transactions);
        case BillerColumn: return c.biller.isEmpty() ? tr("(electing)") : c.biller;
        case ScoreColumn: return c.biller.isEmpty() ? QString() : QString::number(double(c.billerScoreMicro) / 1e6, 'f', 3);
        case MembersColumn: return tr("%1 / %2").arg(c.activeMembers).arg(c.members);
        case ElectionsColumn: return QString::number(c.elections);
        }
        break;
    }
    return {};
}

QVariant ChainTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ChainColumn: return tr("Chain");
    case HeightColumn: return tr("Height");
    case TransactionsColumn: return tr("Transactions");
    case BillerColumn: return tr("Biller");
    case ScoreColumn: return tr("DBSCA score");
    case MembersColumn: return tr("Active members");
    case ElectionsColumn: return tr("Elections");
    }
    return {};
}

} // namespace mg::ui
