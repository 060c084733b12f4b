#include "ui/models/biller_score_model.h"

#include <map>

namespace mg::ui {

BillerScoreModel::BillerScoreModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void BillerScoreModel::setSnapshot(const std::shared_ptr<const engine::Snapshot> &snapshot)
{
    std::map<engine::ChainId, Row> byChain;
    for (const engine::ChainStatus &c : snapshot->chains) {
        if (c.isParent)
            continue;
        Row &r = byChain[c.id];
        r.chainId = c.id;
        r.biller = c.biller;
        r.billerScore = double(c.billerScoreMicro) / 1e6;
        r.activeMembers = c.activeMembers;
    }
    for (const engine::Snapshot::NodeStatus &n : snapshot->nodes) {
        auto it = byChain.find(n.chainId);
        if (it == byChain.end() || n.id == it->second.biller || n.state != roster::MembershipState::Active)
            continue;
        it->second.runnerUpScore = std::max(it->second.runnerUpScore, double(n.scoreMicro) / 1e6);
    }
    QList<Row> rows;
    for (auto &[id, r] : byChain)
        rows.append(r);
    bool sameRows = rows.size() == m_rows.size();
    for (qsizetype i = 0; sameRows && i < rows.size(); ++i)
        sameRows = rows[i].chainId == m_rows[i].chainId;
    if (!sameRows) {
        beginResetModel();
        m_rows = rows;
        endResetModel();
        return;
    }
    m_rows = rows;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int BillerScoreModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int BillerScoreModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BillerScoreModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Row &r = m_rows[index.row()];
    switch (role) {
    case ChainIdRole: return r.chainId;
    case ValueRole:
        switch (index.column()) {
        case ChainColumn: return r.chainId;
        case BillerColumn: return r.biller;
        case BillerScoreColumn: return r.billerScore;
        case RunnerUpScoreColumn: return r.runnerUpScore;
        case ActiveMembersColumn: return r.activeMembers;
        }
        break;
    case Qt::DisplayRole:
        switch (index.column()) {
        case ChainColumn: return tr("Sub-chain %1").arg(r.chainId);
        case BillerColumn: return r.biller.isEmpty() ? tr("(electing)") : r.biller;
        case BillerScoreColumn: return r.biller.isEmpty() ? QString() : QString::number(r.billerScore, 'f', 3);
        case RunnerUpScoreColumn: return QString::number(r.runnerUpScore, 'f', 3);
        case ActiveMembersColumn: return QString::number(r.activeMembers);
        }
        break;
    }
    return {};
}

QVariant BillerScoreModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ChainColumn: return tr("Sub-chain");
    case BillerColumn: return tr("Biller");
    case BillerScoreColumn: return tr("Biller score");
    case RunnerUpScoreColumn: return tr("Best other score");
    case ActiveMembersColumn: return tr("Active members");
    }
    return {};
}

} // namespace mg::ui
