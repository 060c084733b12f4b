#pragma once

#include "core/common/result.h"
#include "core/consensus/directory.h"
#include "core/market/order_book.h"

#include <QJsonObject>

#include <limits>
#include <map>

namespace mg::regulator {

// Why a trade was halted. Stable codes: they are recorded in blocks (TradePayload::haltReason).
enum class HaltReason : quint16 {
    None = 0,
    PriceBand = 1,        // trade price outside the regulator's band
    TradeSize = 2,        // more energy in one trade than allowed
    ExportLimit = 3,      // the seller sells more in one slot than its capacity allows
    FeederCapacity = 4,   // the sub-chain trades more in one slot than its feeder carries
    InactiveParty = 5,    // buyer or seller suspended or evicted
    RenewableMismatch = 6,// a renewable-only buyer matched to a non-renewable seller
    SelfTrade = 7,        // buyer and seller are the same node
    Manual = 8,           // halted by a regulator's action
};
constexpr quint16 MaxHaltReason = 8;
QString haltReasonName(HaltReason reason); // "price_band", ... (stable, for CLI/JSON)
QList<HaltReason> allHaltReasons();

// The weak-centralization rules every trade is checked against before its block is final.
// Changed only by a regulator's SetRules action on the parent chain.
struct Rules
{
    bool priceBand = true;
    qint64 minPrice = 80;        // milli/kWh
    qint64 maxPrice = 300;
    bool tradeSize = true;
    qint64 maxTradeWh = 10000;
    bool exportLimit = true;
    double exportFactor = 1.0;   // a seller sells at most capacity x slot length x factor per slot
    bool feederCapacity = true;
    qint64 feederWh = 0;         // per sub-chain per slot; 0: half the members' capacity x slot
    bool inactiveParty = true;
    bool renewableOnly = true;
    bool selfTrade = true;

    QByteArray encode() const;
    static Result<Rules> decode(QByteArrayView bytes);
    QJsonObject toJson() const;
    // Applies "key=value" settings (the keys of toJson()); errors name the key or value.
    Status set(const QString &assignment);
    bool operator==(const Rules &) const = default;
};

// Checks one sub-chain's trades of one block, in order, keeping the per-slot totals the export
// and feeder rules need. Deterministic: it reads only the rules, the directory and the totals of
// trades already final (seeded by the caller).
class Inspector
{
public:
    Inspector(const Rules &rules, const consensus::Directory &directory, const QList<consensus::NodeId> &members,
              qint64 slotMs);

    // Totals of compliant trades already final in the slot (seller's sold Wh, chain's traded Wh).
    void addFinal(const market::Fill &fill);
    // The first rule the fill breaks (in HaltReason order), or None; a compliant fill is counted.
    HaltReason inspect(const market::Fill &fill);

    qint64 feederLimitWh() const { return m_feederWh; }

private:
    Rules m_rules;
    const consensus::Directory &m_directory;
    qint64 m_slotMs;
    qint64 m_feederWh = 0;
    std::map<std::pair<qint64, consensus::NodeId>, qint64> m_sold; // (slot, seller) -> Wh
    std::map<qint64, qint64> m_traded;                             // slot -> Wh
};

} // namespace mg::regulator

namespace mg::regulator {

// The rules in force over time. A change takes effect a fixed delay after the parent block that
// carries it, so a sub-chain's biller and its members always inspect a block with the same rules.
class RuleBook
{
public:
    static constexpr qint64 EffectDelayMs = 1000;

    explicit RuleBook(const Rules &initial = {}) { m_history.emplace(std::numeric_limits<qint64>::min(), initial); }
    const Rules &at(qint64 timestampMs) const { return std::prev(m_history.upper_bound(timestampMs))->second; }
    const Rules &current() const { return m_history.rbegin()->second; }
    void change(qint64 parentBlockMs, const Rules &rules) { m_history[parentBlockMs + EffectDelayMs] = rules; }

private:
    std::map<qint64, Rules> m_history;
};

} // namespace mg::regulator
