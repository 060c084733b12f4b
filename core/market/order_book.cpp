#include "core/market/order_book.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

// Layout: one SlotBook per delivery slot (std::map, so slots iterate in ascending order), each
// with a bid and an ask SideBook. A SideBook keeps its orders in price levels sorted best first
// (bids descending, asks ascending) and, inside a level, by (sequence, id): price-time priority
// is plain in-order iteration. A second index by (sequence, id) serves the paper mode's
// earliest-first scan. Every container is ordered (std::map / std::set) so iteration never depends
// on hashing; the id index is a std::map too: ids are chosen by signers, and qHash(Hash256) uses
// only 8 bytes, so a hash table could be flooded with ground ids.
//
// Copy-on-write on two levels: the Impl (the slot map) and each SlotBook are shared between
// copies. Copying a book and then changing it copies the slot map (one pointer per open slot)
// and only the slots the change touches, not the tens of thousands of orders in other slots; a
// full deep copy of a 70k-order book took ~45 ms, which the chain engine would pay per block.
// The price: the id index is per slot, so find/cancel look through the open slots
// (O(slots x log n)); there are few open slots (the gate closes at slot start).
//
// Costs: submit is O(log n + fills) when nothing has to be skipped; orders passed over because
// of the renewable-only rule or the self-trade rule, and (paper mode) earlier orders at an
// unacceptable price, add one step each. cancel/find O(slots x log n); expire
// O(slots + removed x log n); orders()/ordersOf() O(n); depth O(orders in that slot and side).

namespace mg::market {

namespace {

// Time priority inside a price level; the id only breaks ties between equal sequences, which a
// well-formed chain never produces, so the order stays total and deterministic regardless.
struct Key
{
    quint64 sequence = 0;
    crypto::Hash256 id;

    auto operator<=>(const Key &) const = default;
    bool operator==(const Key &) const = default;
};

// Best price first: bids descending, asks ascending. A runtime flag rather than two comparator
// types so both sides share one SideBook type.
struct PriceOrder
{
    bool descending = false;
    bool operator()(qint64 a, qint64 b) const { return descending ? a > b : a < b; }
};

using Level = std::map<Key, BookOrder>;
using Levels = std::map<qint64, Level, PriceOrder>;

struct SideBook
{
    explicit SideBook(bool descending) : levels(PriceOrder{descending}) {}

    Levels levels;                        // price -> (sequence, id) -> order
    std::map<Key, qint64> bySequence;     // (sequence, id) -> price, for the paper mode's scan

    bool empty() const { return bySequence.empty(); }
};

// Where a resting order lives inside its slot.
struct Location
{
    Side side = Side::Buy;
    qint64 price = 0;
    Key key;
};

// Book order inside one slot: Buy before Sell, best price first, then time priority.
bool bookOrderLess(const Location &a, const Location &b)
{
    if (a.side != b.side)
        return a.side == Side::Buy;
    if (a.price != b.price)
        return a.side == Side::Buy ? a.price > b.price : a.price < b.price;
    return a.key < b.key;
}

bool isValidSide(Side s)
{
    return s == Side::Buy || s == Side::Sell;
}

// The matcher's rules that hold in both modes, price aside.
bool mayTrade(const BookOrder &buy, const BookOrder &sell)
{
    if (buy.owner == sell.owner)
        return false;
    if (buy.renewableOnly && !sell.ownerRenewable)
        return false;
    return true;
}

Fill makeFill(const BookOrder &buy, const BookOrder &sell, qint64 energyWh, qint64 price)
{
    Fill f;
    f.buyOrderId = buy.id;
    f.sellOrderId = sell.id;
    f.buyer = buy.owner;
    f.seller = sell.owner;
    f.energyWh = energyWh;
    f.price = price;
    f.slot = buy.slot;
    f.buySignature = buy.signature;
    f.sellSignature = sell.signature;
    f.buyRenewableOnly = buy.renewableOnly;
    return f;
}

// All resting orders of one delivery slot, with their indexes.
struct SlotBook
{
    SideBook bids{true};
    SideBook asks{false};
    std::map<crypto::Hash256, Location> index;
    std::set<std::pair<qint64, crypto::Hash256>> expiries; // (expiresAtMs, id)

    SideBook &side(Side s) { return s == Side::Buy ? bids : asks; }
    const SideBook &side(Side s) const { return s == Side::Buy ? bids : asks; }
    bool empty() const { return index.empty(); }

    const BookOrder *find(const crypto::Hash256 &id) const
    {
        const auto loc = index.find(id);
        if (loc == index.end())
            return nullptr;
        const Levels &levels = side(loc->second.side).levels;
        const auto levelIt = levels.find(loc->second.price);
        Q_ASSERT(levelIt != levels.end());
        const auto it = levelIt->second.find(loc->second.key);
        Q_ASSERT(it != levelIt->second.end());
        return &it->second;
    }

    void rest(const BookOrder &o)
    {
        const Key key{o.sequence, o.id};
        SideBook &book = side(o.side);
        book.levels[o.price].emplace(key, o);
        book.bySequence.emplace(key, o.price);
        index.emplace(o.id, Location{o.side, o.price, key});
        expiries.emplace(o.expiresAtMs, o.id);
    }

    // Drops the id and expiry indexes of an order whose side entries the caller erases itself.
    void forget(const BookOrder &o)
    {
        index.erase(o.id);
        expiries.erase({o.expiresAtMs, o.id});
    }

    void remove(const Location &loc)
    {
        SideBook &book = side(loc.side);
        const auto levelIt = book.levels.find(loc.price);
        Q_ASSERT(levelIt != book.levels.end());
        const auto it = levelIt->second.find(loc.key);
        Q_ASSERT(it != levelIt->second.end());
        forget(it->second);
        levelIt->second.erase(it);
        if (levelIt->second.empty())
            book.levels.erase(levelIt);
        book.bySequence.erase(loc.key);
    }

    // CDA: walk the opposite side best price first while it crosses; inside a level, by time.
    void matchCda(BookOrder &incoming, QList<Fill> &fills)
    {
        const bool incomingBuys = incoming.side == Side::Buy;
        SideBook &opp = incomingBuys ? asks : bids;
        auto levelIt = opp.levels.begin();
        while (incoming.energyWh > 0 && levelIt != opp.levels.end()) {
            const qint64 levelPrice = levelIt->first;
            const bool crosses = incomingBuys ? levelPrice <= incoming.price : levelPrice >= incoming.price;
            if (!crosses)
                break;
            Level &level = levelIt->second;
            for (auto it = level.begin(); it != level.end() && incoming.energyWh > 0;) {
                BookOrder &resting = it->second;
                const BookOrder &buy = incomingBuys ? incoming : resting;
                const BookOrder &sell = incomingBuys ? resting : incoming;
                if (!mayTrade(buy, sell)) {
                    ++it;
                    continue;
                }
                const qint64 qty = std::min(incoming.energyWh, resting.energyWh);
                fills.append(makeFill(buy, sell, qty, resting.price));
                incoming.energyWh -= qty;
                resting.energyWh -= qty;
                if (resting.energyWh == 0) {
                    forget(resting);
                    opp.bySequence.erase(it->first);
                    it = level.erase(it);
                } else {
                    ++it;
                }
            }
            if (level.empty())
                levelIt = opp.levels.erase(levelIt);
            else
                ++levelIt;
        }
    }

    // Paper: walk the opposite side earliest first, skipping unacceptable prices; the demand's
    // (buy order's) price is the trade price.
    void matchPaper(BookOrder &incoming, QList<Fill> &fills)
    {
        const bool incomingBuys = incoming.side == Side::Buy;
        SideBook &opp = incomingBuys ? asks : bids;
        // Nothing is acceptable when even the best opposite price does not cross: skip the scan.
        if (opp.levels.empty())
            return;
        const qint64 best = opp.levels.begin()->first;
        if (incomingBuys ? best > incoming.price : best < incoming.price)
            return;

        for (auto seqIt = opp.bySequence.begin(); seqIt != opp.bySequence.end() && incoming.energyWh > 0;) {
            const qint64 price = seqIt->second;
            const bool acceptable = incomingBuys ? price <= incoming.price : price >= incoming.price;
            if (!acceptable) {
                ++seqIt;
                continue;
            }
            const auto levelIt = opp.levels.find(price);
            Q_ASSERT(levelIt != opp.levels.end());
            const auto it = levelIt->second.find(seqIt->first);
            Q_ASSERT(it != levelIt->second.end());
            BookOrder &resting = it->second;
            const BookOrder &buy = incomingBuys ? incoming : resting;
            const BookOrder &sell = incomingBuys ? resting : incoming;
            if (!mayTrade(buy, sell)) {
                ++seqIt;
                continue;
            }
            const qint64 qty = std::min(incoming.energyWh, resting.energyWh);
            fills.append(makeFill(buy, sell, qty, buy.price));
            incoming.energyWh -= qty;
            resting.energyWh -= qty;
            if (resting.energyWh == 0) {
                forget(resting);
                levelIt->second.erase(it);
                if (levelIt->second.empty())
                    opp.levels.erase(levelIt);
                seqIt = opp.bySequence.erase(seqIt);
            } else {
                ++seqIt;
            }
        }
    }

    // An explicit acceptance of one resting order: no preference filters (the regulator inspects
    // the trade), the buy order's price, and nothing of the acceptance rests.
    std::optional<Fill> acceptDirect(const BookOrder &incoming, const crypto::Hash256 &target)
    {
        const auto loc = index.find(target);
        if (loc == index.end() || loc->second.side == incoming.side)
            return std::nullopt;
        const Location where = loc->second;
        SideBook &opp = side(where.side);
        const auto levelIt = opp.levels.find(where.price);
        Q_ASSERT(levelIt != opp.levels.end());
        const auto it = levelIt->second.find(where.key);
        Q_ASSERT(it != levelIt->second.end());
        BookOrder &resting = it->second;
        const BookOrder &buy = incoming.side == Side::Buy ? incoming : resting;
        const BookOrder &sell = incoming.side == Side::Buy ? resting : incoming;
        if (sell.price > buy.price)
            return std::nullopt;
        const qint64 qty = std::min(incoming.energyWh, resting.energyWh);
        Fill fill = makeFill(buy, sell, qty, buy.price);
        resting.energyWh -= qty;
        if (resting.energyWh == 0)
            remove(where);
        return fill;
    }

    // Visits the orders in book order: bids best first, then asks best first.
    template<typename Visit>
    void forEach(Visit &&visit) const
    {
        for (const Side s : {Side::Buy, Side::Sell}) {
            for (const auto &[price, level] : side(s).levels) {
                for (const auto &[key, order] : level)
                    visit(order);
            }
        }
    }
};

} // namespace

struct OrderBook::Impl
{
    explicit Impl(MarketMode m) : mode(m) {}

    MarketMode mode;
    // Never holds an empty SlotBook. Slot books are shared between copies of the book.
    std::map<qint64, std::shared_ptr<SlotBook>> slots;

    // The slot's book, created or unshared so the caller may change it. Call detach() first.
    SlotBook &mutableSlot(qint64 slot)
    {
        std::shared_ptr<SlotBook> &p = slots[slot];
        if (!p)
            p = std::make_shared<SlotBook>();
        else if (p.use_count() > 1)
            p = std::make_shared<SlotBook>(*p);
        return *p;
    }

    void dropIfEmpty(qint64 slot)
    {
        const auto it = slots.find(slot);
        if (it != slots.end() && it->second->empty())
            slots.erase(it);
    }

    // The slot an order rests in, or nullptr.
    const std::pair<const qint64, std::shared_ptr<SlotBook>> *slotOf(const crypto::Hash256 &id) const
    {
        for (const auto &entry : slots) {
            if (entry.second->index.contains(id))
                return &entry;
        }
        return nullptr;
    }

    template<typename Visit>
    void forEachOrder(Visit &&visit) const
    {
        for (const auto &[slot, book] : slots)
            book->forEach(visit);
    }
};

OrderBook::OrderBook(MarketMode mode) : d(std::make_shared<Impl>(mode)) {}

MarketMode OrderBook::mode() const
{
    return d->mode;
}

void OrderBook::detach()
{
    if (d.use_count() > 1)
        d = std::make_shared<Impl>(*d); // shares the slot books; mutableSlot() unshares one
}

std::optional<Fill> OrderBook::accept(const BookOrder &order, const crypto::Hash256 &target)
{
    if (order.energyWh <= 0 || !isValidSide(order.side))
        return std::nullopt;
    const auto found = d->slotOf(target);
    if (!found || found->first != order.slot)
        return std::nullopt;
    detach();
    SlotBook &book = d->mutableSlot(order.slot);
    std::optional<Fill> fill = book.acceptDirect(order, target);
    d->dropIfEmpty(order.slot);
    return fill;
}

QList<Fill> OrderBook::submit(const BookOrder &order)
{
    QList<Fill> fills;
    Q_ASSERT(isValidSide(order.side));
    if (order.energyWh <= 0 || !isValidSide(order.side))
        return fills;
    // An id already resting is a replay of the same Order transaction (the id hashes the slot, so
    // a replay names the same slot): the chain rejects those before they get here; ignoring it
    // keeps the indexes consistent.
    if (const auto it = d->slots.find(order.slot); it != d->slots.end() && it->second->index.contains(order.id))
        return fills;

    detach();
    SlotBook &book = d->mutableSlot(order.slot);
    BookOrder incoming = order;
    if (d->mode == MarketMode::Paper)
        book.matchPaper(incoming, fills);
    else
        book.matchCda(incoming, fills);
    if (incoming.energyWh > 0)
        book.rest(incoming);
    d->dropIfEmpty(order.slot);
    return fills;
}

Status OrderBook::cancel(const crypto::Hash256 &orderId, const NodeId &requester)
{
    const auto *entry = d->slotOf(orderId);
    if (!entry)
        return Status::fail(QStringLiteral("market.unknown_order"),
                            QStringLiteral("order %1 is not in the book").arg(orderId.shortHex()));
    const BookOrder *order = entry->second->find(orderId);
    if (order->owner != requester)
        return Status::fail(QStringLiteral("market.not_owner"),
                            QStringLiteral("node %1 cannot cancel order %2 of node %3")
                                .arg(requester, orderId.shortHex(), order->owner));
    // Copies: detach() and mutableSlot() replace what entry points into.
    const qint64 slot = entry->first;
    const Location loc = entry->second->index.at(orderId);
    detach();
    d->mutableSlot(slot).remove(loc);
    d->dropIfEmpty(slot);
    return okStatus();
}

QList<crypto::Hash256> OrderBook::expire(qint64 nowMs, const MarketConfig &config)
{
    // Collect first without touching the book, so a copy with nothing to expire stays shared.
    std::vector<std::pair<qint64, std::vector<Location>>> doomed; // by ascending slot
    for (const auto &[slot, book] : d->slots) {
        std::vector<Location> locs;
        if (config.slotStartMs(slot) <= nowMs) { // gate closure: the whole slot goes
            for (const auto &[id, loc] : book->index)
                locs.push_back(loc);
        } else {
            for (const auto &[expiresAt, id] : book->expiries) {
                if (expiresAt > nowMs)
                    break;
                locs.push_back(book->index.at(id));
            }
        }
        if (!locs.empty()) {
            std::sort(locs.begin(), locs.end(), bookOrderLess);
            doomed.emplace_back(slot, std::move(locs));
        }
    }

    QList<crypto::Hash256> removed;
    if (doomed.empty())
        return removed;
    detach();
    for (const auto &[slot, locs] : doomed) {
        if (config.slotStartMs(slot) <= nowMs) {
            for (const Location &loc : locs)
                removed.append(loc.key.id);
            d->slots.erase(slot); // no need to unshare a slot that goes entirely
            continue;
        }
        SlotBook &book = d->mutableSlot(slot);
        for (const Location &loc : locs) {
            removed.append(loc.key.id);
            book.remove(loc);
        }
        d->dropIfEmpty(slot);
    }
    return removed;
}

const BookOrder *OrderBook::find(const crypto::Hash256 &id) const
{
    const auto *entry = d->slotOf(id);
    return entry ? entry->second->find(id) : nullptr;
}

QList<BookOrder> OrderBook::orders() const
{
    QList<BookOrder> out;
    out.reserve(size());
    d->forEachOrder([&](const BookOrder &o) { out.append(o); });
    return out;
}

QList<BookOrder> OrderBook::ordersOf(const NodeId &owner) const
{
    QList<BookOrder> out;
    d->forEachOrder([&](const BookOrder &o) {
        if (o.owner == owner)
            out.append(o);
    });
    return out;
}

QList<DepthLevel> OrderBook::depth(qint64 slot, Side side) const
{
    QList<DepthLevel> out;
    const auto slotIt = d->slots.find(slot);
    if (slotIt == d->slots.end() || !isValidSide(side))
        return out;
    for (const auto &[price, level] : slotIt->second->side(side).levels) {
        DepthLevel dl;
        dl.price = price;
        for (const auto &[key, order] : level) {
            dl.energyWh += order.energyWh;
            ++dl.orders;
        }
        out.append(dl);
    }
    return out;
}

int OrderBook::size() const
{
    std::size_t n = 0;
    for (const auto &[slot, book] : d->slots)
        n += book->index.size();
    return int(n);
}

} // namespace mg::market
