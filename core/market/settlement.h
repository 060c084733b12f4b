#pragma once

#include "core/crypto/hash.h"
#include "core/ledger/payloads.h"
#include "core/market/market_config.h"

#include <QList>
#include <QString>

#include <map>

// Settlement of one delivery slot: energy contracts against meter readings (DESIGN.md "The model",
// energy contract). Pure and deterministic: every member computes the same transfers from the same
// contracts and readings. Units as everywhere: energy in Wh, prices in milli/kWh, money in milli.
//
// Rules of settleSlot(slot, contracts, readings, config):
//  1. Meter. Per node n: net = generatedWh - consumedWh (storage already netted in by the meter),
//     export = max(0, net), import = max(0, -net). A node without a reading for the slot counts as
//     0/0; several readings of one node for the slot are summed; readings of other slots are
//     ignored.
//  2. Delivery. Contracts of other slots are ignored; the others are taken in the given (chain)
//     order. Each seller's export is allocated to its sell contracts in that order:
//     delivered = min(remaining export, contract Wh), undelivered = Wh - delivered, and
//     outcome.defaulted = undelivered > 0. A contract with Wh <= 0 counts as 0 Wh.
//  3. Contract transfers, per contract: buyer -> seller amountFor(delivered, contract price),
//     Reason::Delivery, energyWh = delivered; then, if undelivered > 0, seller -> buyer
//     amountFor(undelivered, contract penalty), Reason::Penalty, energyWh = undelivered. Both carry
//     the contract's tradeId.
//  4. Grid. Per node: bal = export + bought - import - sold, where bought/sold are the delivered Wh
//     of its buy/sell contracts. bal < 0: node -> GridAccount amountFor(-bal, gridTariff),
//     Reason::GridImport, energyWh = -bal. bal > 0: GridAccount -> node amountFor(bal,
//     feedInTariff), Reason::GridExport, energyWh = bal. Grid flows carry a null tradeId. The
//     totals go to gridImportWh/gridExportWh and gridImportMilli/gridExportMilli.
//  5. A transfer that moves no energy (energyWh == 0, hence amount 0) is omitted. A transfer that
//     moves energy whose amount rounds to 0 (e.g. 1 Wh at 300 milli/kWh) is kept, so the ledger's
//     energy record stays complete (Accounts::energyWh below relies on it).
//  6. Order: contract transfers in contract order (delivery, then penalty), then grid flows by node
//     id ascending. outcomes has one entry per contract of the slot, in contract order.
//
// Identities (checked by tst_settlement): money between nodes cancels, so
//     sum over nodes (received - paid) == gridExportMilli - gridImportMilli;
// bought and sold Wh are the same deliveries, so
//     sum over nodes bal == sum over nodes net == gridExportWh - gridImportWh.

namespace mg::market {

using ledger::NodeId;

// The utility grid's account name in transfers (not a node id).
inline const QString GridAccount = QStringLiteral("grid");

// An energy contract (a matched, not halted trade), in chain order.
struct Contract
{
    crypto::Hash256 tradeId;
    NodeId buyer;
    NodeId seller;
    qint64 energyWh = 0;
    qint64 price = 0;   // milli/kWh
    qint64 penalty = 0; // milli per undelivered kWh, paid by the seller to the buyer
    qint64 slot = 0;

    bool operator==(const Contract &) const = default;
};

// What a node's meter measured in a slot, storage already netted in.
struct MeterReading
{
    NodeId node;
    qint64 slot = 0;
    qint64 generatedWh = 0;
    qint64 consumedWh = 0;

    bool operator==(const MeterReading &) const = default;
};

struct ContractOutcome
{
    crypto::Hash256 tradeId;
    qint64 deliveredWh = 0;
    bool defaulted = false;

    bool operator==(const ContractOutcome &) const = default;
};

struct SlotSettlement
{
    qint64 slot = 0;
    QList<ledger::Transfer> transfers;
    QList<ContractOutcome> outcomes;
    qint64 gridImportWh = 0;    // energy the nodes bought from the utility grid
    qint64 gridExportWh = 0;    // energy the nodes sold to the utility grid
    qint64 gridImportMilli = 0; // money paid by nodes to the grid
    qint64 gridExportMilli = 0; // money paid by the grid to nodes

    ledger::SettlementPayload toPayload() const { return {slot, transfers}; }
};

SlotSettlement settleSlot(qint64 slot, const QList<Contract> &contracts,
                          const QList<MeterReading> &readings, const MarketConfig &config);

// Balances replayed from settlement transfers. Money: each transfer moves amountMilli from `from`
// to `to` (the grid's side is tracked as gridPaid/gridReceived, not as a node). Energy flows
// against the money, except for penalties which move none: the payer of a Delivery, GridImport,
// GridExport or Reversal transfer gets energyWh (+), the payee gives it (-). So energyWh(n) is the
// Wh bought on contracts minus sold, plus grid import minus export, which equals the node's
// metered consumption minus generation over the settled slots.
class Accounts
{
public:
    void apply(const ledger::SettlementPayload &settlement);
    void apply(const QList<ledger::Transfer> &transfers);
    void apply(const ledger::Transfer &transfer);

    qint64 balance(const NodeId &node) const;  // milli; 0 for an unknown node
    qint64 energyWh(const NodeId &node) const; // Wh; 0 for an unknown node
    qint64 gridPaidMilli() const { return m_gridPaid; }         // grid -> nodes
    qint64 gridReceivedMilli() const { return m_gridReceived; } // nodes -> grid
    QList<NodeId> nodes() const;                                // sorted, without the grid
    // Sum of node balances; conservation: total() == gridPaidMilli() - gridReceivedMilli().
    qint64 total() const;

private:
    struct Entry
    {
        qint64 balanceMilli = 0;
        qint64 energyWh = 0;
    };
    std::map<NodeId, Entry> m_entries;
    qint64 m_gridPaid = 0;
    qint64 m_gridReceived = 0;
};

} // namespace mg::market
