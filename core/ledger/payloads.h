#pragma once

#include "core/ledger/transaction.h"

#include <QList>

// Typed payloads of each transaction kind. Each encodes canonically (encoding.h) with a leading
// version byte; decode() of untrusted bytes returns an error naming the field.
// Units: energy in Wh, prices in milli-currency-units per kWh, money in milli-currency-units,
// times in ms since the Unix epoch, delivery slots as 15-minute slot numbers since the epoch.

namespace mg::ledger {

enum class Side : quint8 { Buy = 1, Sell = 2 };

struct OrderPayload
{
    Side side = Side::Buy;
    qint64 energyWh = 0;
    qint64 priceMilliPerKwh = 0;
    bool renewableOnly = false; // buy side only
    qint64 deliverySlot = 0;
    qint64 expiresAtMs = 0;
    // Paper-mode acceptance: the resting order (a demand or an offer) this order accepts, or null.
    crypto::Hash256 acceptsOrderId;

    QByteArray encode() const;
    static Result<OrderPayload> decode(QByteArrayView bytes);
    bool operator==(const OrderPayload &) const = default;
};

struct CancelPayload
{
    crypto::Hash256 orderId;

    QByteArray encode() const;
    static Result<CancelPayload> decode(QByteArrayView bytes);
    bool operator==(const CancelPayload &) const = default;
};

// A matched trade is an energy contract.
struct TradePayload
{
    enum class Status : quint8 { Matched = 0, Halted = 1 };

    crypto::Hash256 buyOrderId;
    crypto::Hash256 sellOrderId;
    NodeId buyer;
    NodeId seller;
    qint64 energyWh = 0;
    qint64 priceMilliPerKwh = 0;
    qint64 deliverySlot = 0;
    qint64 penaltyMilliPerKwh = 0;
    QByteArray buyOrderSignature;
    QByteArray sellOrderSignature;
    Status status = Status::Matched;
    quint16 haltReason = 0; // regulator reason code when halted

    QByteArray encode() const;
    static Result<TradePayload> decode(QByteArrayView bytes);
    bool operator==(const TradePayload &) const = default;
};

struct Transfer
{
    enum class Reason : quint8 { Delivery = 1, Penalty = 2, GridImport = 3, GridExport = 4, Reversal = 5 };

    NodeId from; // "grid" for the utility grid
    NodeId to;
    qint64 amountMilli = 0;
    qint64 energyWh = 0;
    Reason reason = Reason::Delivery;
    crypto::Hash256 tradeId; // null for grid flows

    bool operator==(const Transfer &) const = default;
};

struct SettlementPayload
{
    qint64 deliverySlot = 0;
    QList<Transfer> transfers;

    QByteArray encode() const;
    static Result<SettlementPayload> decode(QByteArrayView bytes);
    bool operator==(const SettlementPayload &) const = default;
};

// Membership and rule governance on the parent chain. `data` is the action's own encoding.
struct GovernancePayload
{
    enum class Action : quint16 {
        JoinRequest = 1, Vote = 2, Assign = 3, Suspend = 4, Unsuspend = 5, Kick = 6,
        SetWeights = 7, SetRules = 8,
    };

    Action action = Action::JoinRequest;
    NodeId subject;
    crypto::Hash256 proposalId; // the proposal voted on (Vote), else null
    QByteArray data;
    QString reason;

    QByteArray encode() const;
    static Result<GovernancePayload> decode(QByteArrayView bytes);
    bool operator==(const GovernancePayload &) const = default;
};

struct RegulatorActionPayload
{
    enum class Action : quint16 {
        HaltTrade = 1, Suspend = 2, Unsuspend = 3, ProposeKick = 4, ApproveJoin = 5, RejectJoin = 6,
        SetRules = 7, SetWeights = 8, Vote = 9,
    };

    Action action = Action::HaltTrade;
    NodeId subject;         // node acted on, if any
    crypto::Hash256 target; // trade or proposal acted on, if any
    QString reason;         // free text: why
    QByteArray data;

    QByteArray encode() const;
    static Result<RegulatorActionPayload> decode(QByteArrayView bytes);
    bool operator==(const RegulatorActionPayload &) const = default;
};

struct Confirmation
{
    NodeId nodeId;
    QByteArray signature; // over BillerChangePayload::confirmationBytes()

    bool operator==(const Confirmation &) const = default;
};

struct BillerChangePayload
{
    ChainId chainId = 0;
    quint64 round = 0;
    NodeId previousBiller;
    NodeId newBiller;
    qint64 scoreMicro = 0; // DBSCA score x 1e6 (integer, so it encodes canonically)
    QList<Confirmation> confirmations;

    // What each confirming member signs: chain, round, candidate, score.
    QByteArray confirmationBytes() const;
    QByteArray encode() const;
    static Result<BillerChangePayload> decode(QByteArrayView bytes);
    bool operator==(const BillerChangePayload &) const = default;
};

struct AckPayload
{
    ChainId chainId = 0;
    quint64 height = 0;
    crypto::Hash256 blockHash;
    NodeId biller;
    bool accept = true;
    QString reason; // why rejected (evidence)

    QByteArray encode() const;
    static Result<AckPayload> decode(QByteArrayView bytes);
    bool operator==(const AckPayload &) const = default;
};

struct AnchorPayload
{
    QByteArray header; // BlockHeader::encode() of the final sub-chain block
    QByteArray body;   // Block::encodeBody()

    QByteArray encode() const;
    static Result<AnchorPayload> decode(QByteArrayView bytes);
    bool operator==(const AnchorPayload &) const = default;
};

// What a node's meter measured over one delivery slot (signed by the node's key).
struct MeterReadingPayload
{
    qint64 deliverySlot = 0;
    qint64 generatedWh = 0;
    qint64 consumedWh = 0;

    QByteArray encode() const;
    static Result<MeterReadingPayload> decode(QByteArrayView bytes);
    bool operator==(const MeterReadingPayload &) const = default;
};

// The nodes a transaction concerns (sender, and buyer/seller/subject/... from its payload), for
// the store's per-node index. Undecodable payloads yield just the sender.
QStringList involvedNodes(const Transaction &tx);

} // namespace mg::ledger
