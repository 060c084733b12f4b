#include "core/market/settlement.h"

#include <algorithm>

namespace mg::market {

using ledger::Transfer;

namespace {

struct NodeFlows
{
    qint64 net = 0;    // generated - consumed
    qint64 bought = 0; // delivered Wh on buy contracts
    qint64 sold = 0;   // delivered Wh on sell contracts
};

void appendIfMoving(QList<Transfer> &out, Transfer t)
{
    if (t.energyWh != 0) // see rule 5: zero-energy transfers are omitted, rounded-to-0 amounts kept
        out.append(std::move(t));
}

} // namespace

SlotSettlement settleSlot(qint64 slot, const QList<Contract> &contracts,
                          const QList<MeterReading> &readings, const MarketConfig &config)
{
    SlotSettlement result;
    result.slot = slot;

    // std::map: grid flows come out by node id ascending.
    std::map<NodeId, NodeFlows> flows;
    for (const MeterReading &r : readings)
        if (r.slot == slot)
            flows[r.node].net += r.generatedWh - r.consumedWh;

    // Export still unallocated per seller (rule 2).
    std::map<NodeId, qint64> remainingExport;
    for (const Contract &c : contracts) {
        if (c.slot != slot)
            continue;
        NodeFlows &seller = flows[c.seller];
        NodeFlows &buyer = flows[c.buyer];
        auto [it, fresh] = remainingExport.try_emplace(c.seller, std::max<qint64>(0, seller.net));
        Q_UNUSED(fresh);
        qint64 &remaining = it->second;

        const qint64 wh = std::max<qint64>(0, c.energyWh);
        const qint64 delivered = std::min(remaining, wh);
        const qint64 undelivered = wh - delivered;
        remaining -= delivered;
        seller.sold += delivered;
        buyer.bought += delivered;

        result.outcomes.append(ContractOutcome{c.tradeId, delivered, undelivered > 0});
        appendIfMoving(result.transfers,
                       Transfer{c.buyer, c.seller, amountFor(delivered, c.price), delivered,
                                Transfer::Reason::Delivery, c.tradeId});
        if (undelivered > 0)
            appendIfMoving(result.transfers,
                           Transfer{c.seller, c.buyer, amountFor(undelivered, c.penalty), undelivered,
                                    Transfer::Reason::Penalty, c.tradeId});
    }

    for (const auto &[node, f] : flows) {
        const qint64 exportWh = std::max<qint64>(0, f.net);
        const qint64 importWh = std::max<qint64>(0, -f.net);
        const qint64 bal = exportWh + f.bought - importWh - f.sold;
        if (bal < 0) {
            const qint64 amount = amountFor(-bal, config.gridTariff);
            result.gridImportWh += -bal;
            result.gridImportMilli += amount;
            appendIfMoving(result.transfers,
                           Transfer{node, GridAccount, amount, -bal, Transfer::Reason::GridImport, {}});
        } else if (bal > 0) {
            const qint64 amount = amountFor(bal, config.feedInTariff);
            result.gridExportWh += bal;
            result.gridExportMilli += amount;
            appendIfMoving(result.transfers,
                           Transfer{GridAccount, node, amount, bal, Transfer::Reason::GridExport, {}});
        }
    }
    return result;
}

void Accounts::apply(const ledger::SettlementPayload &settlement)
{
    apply(settlement.transfers);
}

void Accounts::apply(const QList<ledger::Transfer> &transfers)
{
    for (const Transfer &t : transfers)
        apply(t);
}

void Accounts::apply(const ledger::Transfer &t)
{
    // Energy flows against the money except for penalties.
    const qint64 energy = t.reason == Transfer::Reason::Penalty ? 0 : t.energyWh;
    if (t.from == GridAccount) {
        m_gridPaid += t.amountMilli;
    } else {
        Entry &e = m_entries[t.from];
        e.balanceMilli -= t.amountMilli;
        e.energyWh += energy;
    }
    if (t.to == GridAccount) {
        m_gridReceived += t.amountMilli;
    } else {
        Entry &e = m_entries[t.to];
        e.balanceMilli += t.amountMilli;
        e.energyWh -= energy;
    }
}

qint64 Accounts::balance(const NodeId &node) const
{
    auto it = m_entries.find(node);
    return it == m_entries.end() ? 0 : it->second.balanceMilli;
}

qint64 Accounts::energyWh(const NodeId &node) const
{
    auto it = m_entries.find(node);
    return it == m_entries.end() ? 0 : it->second.energyWh;
}

QList<NodeId> Accounts::nodes() const
{
    QList<NodeId> out;
    out.reserve(qsizetype(m_entries.size()));
    for (const auto &[node, e] : m_entries)
        out.append(node);
    return out;
}

qint64 Accounts::total() const
{
    qint64 sum = 0;
    for (const auto &[node, e] : m_entries)
        sum += e.balanceMilli;
    return sum;
}

} // namespace mg::market
