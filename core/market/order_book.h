#pragma once

#include "core/common/result.h"
#include "core/crypto/hash.h"
#include "core/ledger/payloads.h"
#include "core/market/market_config.h"

#include <QList>

#include <optional>

#include <memory>

namespace mg::market {

using ledger::NodeId;
using ledger::Side;

// An order resting in (or entering) the book.
struct BookOrder
{
    crypto::Hash256 id;       // the Order transaction's id
    NodeId owner;
    Side side = Side::Buy;
    qint64 energyWh = 0;      // remaining
    qint64 price = 0;         // limit, milli/kWh
    bool renewableOnly = false;   // buy side: only from renewable sellers
    bool ownerRenewable = false;  // sell side: the seller's node is renewable
    qint64 slot = 0;          // delivery slot
    qint64 expiresAtMs = 0;
    qint64 timestampMs = 0;   // when the owner signed it
    quint64 sequence = 0;     // position in the chain (arrival order at the matcher): time priority
    QByteArray signature;     // the Order transaction's signature (kept in the contract)

    bool operator==(const BookOrder &) const = default;
};

// A match between a buy and a sell order: becomes an energy contract (a Trade transaction).
struct Fill
{
    crypto::Hash256 buyOrderId;
    crypto::Hash256 sellOrderId;
    NodeId buyer;
    NodeId seller;
    qint64 energyWh = 0;
    qint64 price = 0;
    qint64 slot = 0;
    QByteArray buySignature;
    QByteArray sellSignature;
    bool buyRenewableOnly = false; // the buy order asked for renewable energy only

    bool operator==(const Fill &) const = default;
};

struct DepthLevel
{
    qint64 price = 0;
    qint64 energyWh = 0;
    int orders = 0;
    bool operator==(const DepthLevel &) const = default;
};

// One sub-chain's order book over all delivery slots. Deterministic: the same calls in the same
// order give the same fills, so every member can re-run the biller's matching. Orders only match
// orders of the same delivery slot.
class OrderBook
{
public:
    explicit OrderBook(MarketMode mode = MarketMode::ContinuousDoubleAuction);

    MarketMode mode() const;

    // Matches an incoming order against the book and rests what is left.
    //  CDA: best price first (highest bid / lowest ask), then lowest sequence; a buy crosses a sell
    //       when bid >= ask; the trade price is the resting order's price; partial fills.
    //  Paper: the incoming order is matched against resting opposite orders in sequence order
    //       (earliest first) whose price is acceptable (ask <= bid); the trade price is the buy
    //       order's (the demand's) price; partial fills.
    //  Both: a renewable-only buy never matches a non-renewable seller; an order never matches an
    //  order of the same owner (no self-trade at the matcher); zero-energy orders are ignored.
    //  Orders passed over by these rules keep resting. Fills come in matching order. An order whose
    //  id already rests in the book is ignored (no fills).
    QList<Fill> submit(const BookOrder &order);

    // The paper's acceptance: the order accepts one named resting order of the other side in the
    // same slot (its demand, or its offer), at the buy order's price, if the sell price is not
    // above the buy price. The buyer-preference filters (renewable-only, same owner) are NOT
    // applied: an acceptance is the accepting node's own claim, and the regulator inspects the
    // trade. Nothing of the acceptance rests. nullopt when the target is gone or incompatible.
    std::optional<Fill> accept(const BookOrder &order, const crypto::Hash256 &target);

    // Removes the order if requester owns it. Errors: "market.unknown_order", "market.not_owner".
    Status cancel(const crypto::Hash256 &orderId, const NodeId &requester);

    // Removes orders with expiresAtMs <= nowMs and orders whose delivery slot has started
    // (slotStartMs(slot) <= nowMs: gate closure). Returns the removed ids in a stable order:
    // by (slot, side Buy first, price best first, sequence), the same order as orders().
    QList<crypto::Hash256> expire(qint64 nowMs, const MarketConfig &config);

    // The resting order, or nullptr; the pointer is valid until this book is next changed.
    const BookOrder *find(const crypto::Hash256 &id) const;
    QList<BookOrder> orders() const;                       // all resting, by (slot, side, priority)
    QList<BookOrder> ordersOf(const NodeId &owner) const;
    // Aggregated levels for a slot: bids best first (highest price), asks best first (lowest).
    QList<DepthLevel> depth(qint64 slot, Side side) const;
    int size() const;

private:
    struct Impl;
    std::shared_ptr<Impl> d; // copy-on-write: copying a book is cheap until one side changes it
    void detach();
};

} // namespace mg::market
