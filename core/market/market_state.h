#pragma once

#include "core/consensus/directory.h"
#include "core/ledger/block.h"
#include "core/market/order_book.h"
#include "core/market/settlement.h"
#include "core/regulator/rules.h"

#include <QSet>

#include <functional>
#include <map>
#include <vector>

namespace mg::market {

using ledger::ChainId;

// An energy contract's lifecycle: matched (in a proposed block) -> final (its block is final) ->
// delivered | defaulted (after settlement) | halted (by a regulator rule or action).
enum class ContractStatus : quint8 { Final, Delivered, Defaulted, Halted };
QString contractStatusName(ContractStatus status);

struct ContractRecord
{
    crypto::Hash256 tradeId;
    ledger::TradePayload trade;
    quint64 height = 0; // block that made it final
    ContractStatus status = ContractStatus::Final;
    qint64 deliveredWh = 0;
};

struct MarketTotals
{
    quint64 orders = 0;
    quint64 cancels = 0;
    quint64 trades = 0;
    quint64 halted = 0;
    quint64 haltedByRegulator = 0;        // contracts halted by hand after they were final
    std::map<quint16, quint64> haltedByReason; // regulator::HaltReason -> trades halted at matching
    qint64 energyTradedWh = 0;
    qint64 valueTradedMilli = 0; // sum of Wh x price / 1000 over trades
    quint64 defaults = 0;
    qint64 penaltiesMilli = 0;
    qint64 gridImportWh = 0;
    qint64 gridExportWh = 0;
    quint64 settledSlots = 0;
    quint64 meterReadings = 0;
    qint64 generatedWh = 0; // metered, summed over the settled slots' readings
    qint64 consumedWh = 0;

    double meanPriceMilliPerKwh() const { return energyTradedWh ? double(valueTradedMilli) * 1000.0 / double(energyTradedWh) : 0.0; }
};

// One sub-chain's market, derived from its final blocks: the order book, contracts, meter
// readings, accounts and settlement. The same deterministic procedure builds a proposed block's
// trades and settlements (derive) and applies a final block (applyFinal), so members re-run the
// biller's matching and settlement exactly.
class MarketState
{
public:
    MarketState(ChainId chain, const MarketConfig &config, const consensus::Directory &directory,
                const regulator::RuleBook &rules, std::function<QList<ledger::NodeId>()> members);

    // A regulator halted an order (it never trades) or a contract (not settled; reversed if it
    // was), effective for blocks at or after effectiveMs. Deterministic for every member.
    void haltByRegulator(const crypto::Hash256 &target, qint64 effectiveMs);

    const MarketConfig &config() const { return m_config; }

    // Stateless checks of an order, cancel or meter reading (payload, price band, size); empty
    // when acceptable, else the reason.
    QString check(const ledger::Transaction &tx) const;

    // Trades (one per fill) and settlements (slots due at blockTimestampMs) for a block with these
    // inputs; unsigned, sender = biller, timestamp = the block's, nonce = position.
    QList<ledger::Transaction> derive(const QList<ledger::Transaction> &inputs, const ledger::NodeId &biller,
                                      qint64 blockTimestampMs) const;
    void applyFinal(const ledger::Block &block);

    const OrderBook &book() const { return m_book; }
    const Accounts &accounts() const { return m_accounts; }
    const MarketTotals &totals() const { return m_totals; }
    const std::map<crypto::Hash256, ContractRecord> &contracts() const { return m_contracts; }

private:
    struct Step
    {
        OrderBook book;
        quint64 nextSequence = 0;
        qint64 nextSettleSlot = 0;
        QList<ledger::Transaction> derived;
        QList<Fill> fills;
        QSet<crypto::Hash256> haltedOrders;       // by a regulator, from this block on
        QList<crypto::Hash256> contractsHalted;   // contracts this block halts
        size_t haltsApplied = 0;                  // regulator halts now in force
    };
    // The shared procedure: match inputs, then settle due slots. Works on a copy of the book.
    Step run(const QList<ledger::Transaction> &inputs, const ledger::NodeId &biller, qint64 blockTimestampMs) const;
    ledger::Transaction makeDerived(ledger::TxKind kind, const QByteArray &payload, const ledger::NodeId &biller,
                                    qint64 timestampMs, int index) const;

    ChainId m_chain;
    MarketConfig m_config;
    const consensus::Directory &m_directory;
    const regulator::RuleBook &m_rules;
    std::function<QList<ledger::NodeId>()> m_members;
    OrderBook m_book;
    std::vector<std::pair<qint64, crypto::Hash256>> m_halts; // (effective, target), in chain order
    size_t m_haltsApplied = 0;
    QSet<crypto::Hash256> m_haltedOrders;
    std::map<crypto::Hash256, QList<ledger::Transfer>> m_settledTransfers; // per contract, for reversals
    quint64 m_nextSequence = 0;
    qint64 m_nextSettleSlot = -1; // -1: not started (set from the first block's time)
    std::map<crypto::Hash256, ContractRecord> m_contracts;
    std::map<qint64, QList<crypto::Hash256>> m_contractsBySlot; // in chain order
    std::map<qint64, std::map<ledger::NodeId, MeterReading>> m_readings;
    Accounts m_accounts;
    MarketTotals m_totals;
};

} // namespace mg::market
