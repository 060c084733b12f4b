#include "core/market/order_book.h"

#include <QRandomGenerator>
#include <QTest>

#include <algorithm>
#include <tuple>

using namespace mg;
using namespace mg::market;
using crypto::Hash256;

namespace {

constexpr qint64 FarFuture = qint64(1) << 50;

Hash256 orderId(int index)
{
    return crypto::sha256(QByteArray(QByteArray("order-") + QByteArray::number(index)));
}

// A compact order notation for the tables:
//   "<buy|sell> <owner> <Wh>@<price> [ro] [green] [s<slot>] [e<expiresAtMs>]"
// ro = renewable-only buy, green = the owner's node is renewable. The index becomes the order's
// sequence (index + 1), its id and its signature.
BookOrder parseOrder(const QString &spec, int index)
{
    const QStringList t = spec.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    Q_ASSERT(t.size() >= 3);
    BookOrder o;
    o.side = t[0] == QLatin1String("buy") ? Side::Buy : Side::Sell;
    o.owner = t[1];
    const QStringList amount = t[2].split(QLatin1Char('@'));
    o.energyWh = amount[0].toLongLong();
    o.price = amount[1].toLongLong();
    o.expiresAtMs = FarFuture;
    for (qsizetype i = 3; i < t.size(); ++i) {
        if (t[i] == QLatin1String("ro"))
            o.renewableOnly = true;
        else if (t[i] == QLatin1String("green"))
            o.ownerRenewable = true;
        else if (t[i].startsWith(QLatin1Char('s')))
            o.slot = t[i].mid(1).toLongLong();
        else if (t[i].startsWith(QLatin1Char('e')))
            o.expiresAtMs = t[i].mid(1).toLongLong();
        else
            Q_ASSERT_X(false, "parseOrder", qPrintable(spec));
    }
    o.id = orderId(index);
    o.sequence = quint64(index) + 1;
    o.timestampMs = index;
    o.signature = QByteArray("sig-") + QByteArray::number(index);
    return o;
}

QString format(const BookOrder &o)
{
    QString s = (o.side == Side::Buy ? QStringLiteral("buy ") : QStringLiteral("sell ")) + o.owner
                + QLatin1Char(' ') + QString::number(o.energyWh) + QLatin1Char('@') + QString::number(o.price);
    if (o.renewableOnly)
        s += QStringLiteral(" ro");
    if (o.ownerRenewable)
        s += QStringLiteral(" green");
    if (o.slot != 0)
        s += QStringLiteral(" s") + QString::number(o.slot);
    return s;
}

// "<buyer> <seller> <Wh>@<price> [s<slot>]"
QString format(const Fill &f)
{
    QString s = f.buyer + QLatin1Char(' ') + f.seller + QLatin1Char(' ') + QString::number(f.energyWh)
                + QLatin1Char('@') + QString::number(f.price);
    if (f.slot != 0)
        s += QStringLiteral(" s") + QString::number(f.slot);
    return s;
}

QString format(const DepthLevel &l)
{
    return QString::number(l.energyWh) + QLatin1Char('@') + QString::number(l.price) + QStringLiteral(" x")
           + QString::number(l.orders);
}

template<typename T>
QStringList formatAll(const QList<T> &items)
{
    QStringList out;
    for (const T &item : items)
        out.append(format(item));
    return out;
}

// Submits the specs in order; returns all fills.
QList<Fill> feed(OrderBook &book, const QStringList &specs)
{
    QList<Fill> fills;
    for (qsizetype i = 0; i < specs.size(); ++i)
        fills += book.submit(parseOrder(specs[i], int(i)));
    return fills;
}

// Straightforward reference matcher: for every unit of work, scan all resting orders for the best
// eligible one. Quadratic, but obviously following the rules, so the indexed book can be checked
// against it on random input.
class ReferenceBook
{
public:
    explicit ReferenceBook(MarketMode mode) : m_mode(mode) {}

    QList<Fill> submit(BookOrder in)
    {
        QList<Fill> fills;
        if (in.energyWh <= 0)
            return fills;
        while (in.energyWh > 0) {
            qsizetype best = -1;
            for (qsizetype i = 0; i < m_resting.size(); ++i) {
                const BookOrder &r = m_resting[i];
                if (r.slot != in.slot || r.side == in.side)
                    continue;
                const BookOrder &buy = in.side == Side::Buy ? in : r;
                const BookOrder &sell = in.side == Side::Buy ? r : in;
                if (buy.price < sell.price || buy.owner == sell.owner
                    || (buy.renewableOnly && !sell.ownerRenewable))
                    continue;
                if (best < 0 || better(r, m_resting[best]))
                    best = i;
            }
            if (best < 0)
                break;
            BookOrder &r = m_resting[best];
            const BookOrder &buy = in.side == Side::Buy ? in : r;
            const BookOrder &sell = in.side == Side::Buy ? r : in;
            const qint64 qty = std::min(in.energyWh, r.energyWh);
            Fill f{buy.id, sell.id, buy.owner, sell.owner, qty,
                   m_mode == MarketMode::Paper ? buy.price : r.price, in.slot, buy.signature, sell.signature};
            fills.append(f);
            in.energyWh -= qty;
            r.energyWh -= qty;
            if (r.energyWh == 0)
                m_resting.removeAt(best);
        }
        if (in.energyWh > 0)
            m_resting.append(in);
        return fills;
    }

    QString cancel(const Hash256 &id, const NodeId &requester)
    {
        for (qsizetype i = 0; i < m_resting.size(); ++i) {
            if (m_resting[i].id != id)
                continue;
            if (m_resting[i].owner != requester)
                return QStringLiteral("market.not_owner");
            m_resting.removeAt(i);
            return QString();
        }
        return QStringLiteral("market.unknown_order");
    }

    QList<Hash256> expire(qint64 nowMs, const MarketConfig &config)
    {
        QList<BookOrder> gone;
        QList<BookOrder> kept;
        for (const BookOrder &o : std::as_const(m_resting))
            (o.expiresAtMs <= nowMs || config.slotStartMs(o.slot) <= nowMs ? gone : kept).append(o);
        m_resting = kept;
        std::sort(gone.begin(), gone.end(), bookLess);
        QList<Hash256> ids;
        for (const BookOrder &o : std::as_const(gone))
            ids.append(o.id);
        return ids;
    }

    QList<BookOrder> orders() const
    {
        QList<BookOrder> out = m_resting;
        std::sort(out.begin(), out.end(), bookLess);
        return out;
    }

private:
    // Is resting order a a better match than resting order b (same side)?
    bool better(const BookOrder &a, const BookOrder &b) const
    {
        if (m_mode == MarketMode::ContinuousDoubleAuction && a.price != b.price)
            return a.side == Side::Sell ? a.price < b.price : a.price > b.price;
        return std::tie(a.sequence, a.id) < std::tie(b.sequence, b.id);
    }

    static bool bookLess(const BookOrder &a, const BookOrder &b)
    {
        if (a.slot != b.slot)
            return a.slot < b.slot;
        if (a.side != b.side)
            return a.side == Side::Buy;
        if (a.price != b.price)
            return a.side == Side::Buy ? a.price > b.price : a.price < b.price;
        return std::tie(a.sequence, a.id) < std::tie(b.sequence, b.id);
    }

    MarketMode m_mode;
    QList<BookOrder> m_resting;
};

// One step of a random replay.
struct Op
{
    enum Kind { Submit, Cancel, Expire } kind = Submit;
    BookOrder order;   // Submit
    Hash256 id;        // Cancel
    NodeId requester;  // Cancel
    qint64 nowMs = 0;  // Expire
};

QList<Op> randomOps(quint32 seed, int count, const MarketConfig &config)
{
    QRandomGenerator rng(seed);
    QList<Op> ops;
    QList<BookOrder> submitted;
    const auto owner = [](int i) { return QStringLiteral("node-%1").arg(i); };
    for (int i = 0; i < count; ++i) {
        const qint64 now = qint64(i) * 1000;
        Op op;
        const int roll = rng.bounded(100);
        if (roll < 10 && !submitted.isEmpty()) {
            op.kind = Op::Cancel;
            const BookOrder &target = submitted[rng.bounded(int(submitted.size()))];
            op.id = target.id;
            op.requester = rng.bounded(4) == 0 ? owner(rng.bounded(8)) : target.owner;
        } else if (roll < 12) {
            op.kind = Op::Expire;
            op.nowMs = now;
        } else {
            BookOrder &o = op.order;
            const int who = rng.bounded(8);
            o.owner = owner(who);
            o.ownerRenewable = who < 4;
            o.side = rng.bounded(2) == 0 ? Side::Buy : Side::Sell;
            o.renewableOnly = o.side == Side::Buy && rng.bounded(5) == 0;
            o.energyWh = rng.bounded(20) == 0 ? 0 : rng.bounded(1, 3000);
            o.price = rng.bounded(int(config.feedInTariff), int(config.gridTariff) + 1);
            o.slot = config.slotOf(now) + 1 + rng.bounded(3);
            o.expiresAtMs = now + rng.bounded(1, 3600 * 1000);
            o.timestampMs = now;
            o.sequence = quint64(i) + 1;
            o.id = orderId(i);
            o.signature = QByteArray("sig-") + QByteArray::number(i);
            submitted.append(o);
        }
        ops.append(op);
    }
    return ops;
}

// What a replay produced, flattened into comparable text.
struct Trace
{
    QStringList events;
    QList<Fill> fills;
};

Trace replay(OrderBook &book, const QList<Op> &ops, const MarketConfig &config)
{
    Trace t;
    for (const Op &op : ops) {
        switch (op.kind) {
        case Op::Submit: {
            const QList<Fill> fills = book.submit(op.order);
            t.fills += fills;
            t.events.append(QStringLiteral("fills ") + formatAll(fills).join(QLatin1Char(',')));
            break;
        }
        case Op::Cancel: {
            const Status st = book.cancel(op.id, op.requester);
            t.events.append(QStringLiteral("cancel ") + (st.ok() ? QString() : st.error().code));
            break;
        }
        case Op::Expire: {
            QStringList ids;
            for (const Hash256 &id : book.expire(op.nowMs, config))
                ids.append(id.shortHex());
            t.events.append(QStringLiteral("expire ") + ids.join(QLatin1Char(',')));
            break;
        }
        }
    }
    return t;
}

} // namespace

Q_DECLARE_METATYPE(mg::market::MarketMode)

class tst_OrderBook : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void modeName();
    void matching_data();
    void matching();
    void fillCarriesOrderData();
    void duplicateIdIgnored();
    void cancel();
    void expire_data();
    void expire();
    void depth();
    void ordersOf();
    void replayIsDeterministic_data();
    void replayIsDeterministic();
    void copyOnWrite();
};

void tst_OrderBook::modeName()
{
    QCOMPARE(marketModeName(MarketMode::ContinuousDoubleAuction), QStringLiteral("cda"));
    QCOMPARE(marketModeName(MarketMode::Paper), QStringLiteral("paper"));
    QCOMPARE(OrderBook().mode(), MarketMode::ContinuousDoubleAuction);
    QCOMPARE(OrderBook(MarketMode::Paper).mode(), MarketMode::Paper);
}

void tst_OrderBook::matching_data()
{
    QTest::addColumn<MarketMode>("mode");
    QTest::addColumn<QStringList>("orders");     // submitted in this order
    QTest::addColumn<QStringList>("fills");      // "<buyer> <seller> <Wh>@<price>"
    QTest::addColumn<QStringList>("remaining");  // orders(): slot, buys best first, then sells

    const MarketMode cda = MarketMode::ContinuousDoubleAuction;
    const MarketMode paper = MarketMode::Paper;

    QTest::newRow("cross at resting ask")
        << cda << QStringList{"sell bob 1000@120", "buy alice 1000@150"}
        << QStringList{"alice bob 1000@120"} << QStringList{};
    QTest::newRow("cross at resting bid")
        << cda << QStringList{"buy alice 1000@150", "sell bob 1000@120"}
        << QStringList{"alice bob 1000@150"} << QStringList{};
    QTest::newRow("equal prices cross")
        << cda << QStringList{"buy alice 500@120", "sell bob 500@120"}
        << QStringList{"alice bob 500@120"} << QStringList{};
    QTest::newRow("no cross")
        << cda << QStringList{"buy alice 1000@100", "sell bob 1000@120"}
        << QStringList{} << QStringList{"buy alice 1000@100", "sell bob 1000@120"};
    QTest::newRow("partial fill of incoming, remainder rests")
        << cda << QStringList{"sell bob 400@120", "buy alice 1000@150"}
        << QStringList{"alice bob 400@120"} << QStringList{"buy alice 600@150"};
    QTest::newRow("partial fill of resting")
        << cda << QStringList{"sell bob 1000@120", "buy alice 300@150"}
        << QStringList{"alice bob 300@120"} << QStringList{"sell bob 700@120"};
    QTest::newRow("buy sweeps ask levels best first")
        << cda
        << QStringList{"sell bob 200@130", "sell carol 300@110", "sell dave 400@120", "sell erin 500@160",
                       "buy alice 800@150"}
        << QStringList{"alice carol 300@110", "alice dave 400@120", "alice bob 100@130"}
        << QStringList{"sell bob 100@130", "sell erin 500@160"};
    QTest::newRow("sell sweeps bid levels best first")
        << cda << QStringList{"buy carol 300@100", "buy alice 300@200", "buy bob 300@150", "sell dave 500@140"}
        << QStringList{"alice dave 300@200", "bob dave 200@150"}
        << QStringList{"buy bob 100@150", "buy carol 300@100"};
    QTest::newRow("sweep leaves incoming remainder resting")
        << cda << QStringList{"sell bob 200@110", "sell carol 300@120", "buy alice 800@125"}
        << QStringList{"alice bob 200@110", "alice carol 300@120"} << QStringList{"buy alice 300@125"};
    QTest::newRow("equal ask prices by time")
        << cda << QStringList{"sell bob 300@120", "sell carol 300@120", "buy alice 400@150"}
        << QStringList{"alice bob 300@120", "alice carol 100@120"} << QStringList{"sell carol 200@120"};
    QTest::newRow("equal bid prices by time")
        << cda << QStringList{"buy bob 300@150", "buy carol 300@150", "sell alice 400@100"}
        << QStringList{"bob alice 300@150", "carol alice 100@150"} << QStringList{"buy carol 200@150"};
    QTest::newRow("renewable-only buy skips non-renewable seller")
        << cda << QStringList{"sell bob 500@100", "sell carol 500@120 green", "buy alice 600@150 ro"}
        << QStringList{"alice carol 500@120"} << QStringList{"buy alice 100@150 ro", "sell bob 500@100"};
    QTest::newRow("non-renewable sell skips renewable-only bid")
        << cda << QStringList{"buy alice 500@150 ro", "buy dave 500@140", "sell bob 300@100"}
        << QStringList{"dave bob 300@140"} << QStringList{"buy alice 500@150 ro", "buy dave 200@140"};
    QTest::newRow("renewable seller serves renewable-only bid")
        << cda << QStringList{"buy alice 500@150 ro", "sell bob 300@100 green"}
        << QStringList{"alice bob 300@150"} << QStringList{"buy alice 200@150 ro"};
    QTest::newRow("same owner does not match")
        << cda << QStringList{"sell alice 500@100", "buy alice 500@150"}
        << QStringList{} << QStringList{"buy alice 500@150", "sell alice 500@100"};
    QTest::newRow("same owner skipped, next seller matches")
        << cda << QStringList{"sell alice 500@100", "sell bob 500@120", "buy alice 500@150"}
        << QStringList{"alice bob 500@120"} << QStringList{"sell alice 500@100"};
    QTest::newRow("different slots do not match")
        << cda << QStringList{"sell bob 500@100 s1", "buy alice 500@150 s2"}
        << QStringList{} << QStringList{"sell bob 500@100 s1", "buy alice 500@150 s2"};
    QTest::newRow("only the same slot matches")
        << cda << QStringList{"sell bob 500@100 s1", "sell carol 500@130 s2", "buy alice 500@150 s2"}
        << QStringList{"alice carol 500@130 s2"} << QStringList{"sell bob 500@100 s1"};
    QTest::newRow("zero and negative energy ignored")
        << cda << QStringList{"sell bob 0@100", "buy alice -5@150", "buy carol 0@150"}
        << QStringList{} << QStringList{};
    QTest::newRow("cda: best price beats earlier order")
        << cda << QStringList{"sell bob 500@140", "sell carol 500@100", "buy alice 600@150"}
        << QStringList{"alice carol 500@100", "alice bob 100@140"} << QStringList{"sell bob 400@140"};
    QTest::newRow("paper: earliest acceptable wins at the buy price")
        << paper << QStringList{"sell bob 500@140", "sell carol 500@100", "buy alice 600@150"}
        << QStringList{"alice bob 500@150", "alice carol 100@150"} << QStringList{"sell carol 400@100"};
    QTest::newRow("paper: unacceptable earlier seller skipped")
        << paper << QStringList{"sell bob 500@160", "sell carol 500@140", "buy alice 500@150"}
        << QStringList{"alice carol 500@150"} << QStringList{"sell bob 500@160"};
    QTest::newRow("paper: incoming sell takes earliest acceptable demand at its price")
        << paper << QStringList{"buy alice 300@130", "buy bob 300@200", "buy dave 300@110", "sell carol 400@120"}
        << QStringList{"alice carol 300@130", "bob carol 100@200"}
        << QStringList{"buy bob 200@200", "buy dave 300@110"};
    QTest::newRow("paper: no acceptable price")
        << paper << QStringList{"sell bob 500@160", "buy alice 500@150"}
        << QStringList{} << QStringList{"buy alice 500@150", "sell bob 500@160"};
    QTest::newRow("paper: renewable-only and same owner skipped")
        << paper
        << QStringList{"sell alice 100@100 green", "sell bob 100@100", "sell carol 100@120 green", "buy alice 150@150 ro"}
        << QStringList{"alice carol 100@150"}
        << QStringList{"buy alice 50@150 ro", "sell alice 100@100 green", "sell bob 100@100"};
}

void tst_OrderBook::matching()
{
    QFETCH(MarketMode, mode);
    QFETCH(QStringList, orders);
    QFETCH(QStringList, fills);
    QFETCH(QStringList, remaining);

    OrderBook book(mode);
    QCOMPARE(formatAll(feed(book, orders)), fills);
    QCOMPARE(formatAll(book.orders()), remaining);
    QCOMPARE(book.size(), remaining.size());

    // The indexed book agrees with the brute-force reference on every row.
    ReferenceBook reference(mode);
    QList<Fill> referenceFills;
    for (qsizetype i = 0; i < orders.size(); ++i)
        referenceFills += reference.submit(parseOrder(orders[i], int(i)));
    QCOMPARE(formatAll(referenceFills), fills);
    QVERIFY(book.orders() == reference.orders());
}

void tst_OrderBook::fillCarriesOrderData()
{
    OrderBook book;
    const BookOrder sell = parseOrder(QStringLiteral("sell bob 400@120 green s7"), 0);
    const BookOrder buy = parseOrder(QStringLiteral("buy alice 1000@150 ro s7"), 1);
    QVERIFY(book.submit(sell).isEmpty());
    const QList<Fill> fills = book.submit(buy);
    QCOMPARE(fills.size(), 1);
    const Fill &f = fills.first();
    QCOMPARE(f.buyOrderId, buy.id);
    QCOMPARE(f.sellOrderId, sell.id);
    QCOMPARE(f.buyer, QStringLiteral("alice"));
    QCOMPARE(f.seller, QStringLiteral("bob"));
    QCOMPARE(f.energyWh, 400);
    QCOMPARE(f.price, 120);
    QCOMPARE(f.slot, 7);
    QCOMPARE(f.buySignature, buy.signature);
    QCOMPARE(f.sellSignature, sell.signature);

    // The remainder rests with the incoming order's own identity and time priority.
    QVERIFY(!book.find(sell.id));
    const BookOrder *rest = book.find(buy.id);
    QVERIFY(rest);
    BookOrder expected = buy;
    expected.energyWh = 600;
    QVERIFY(*rest == expected);
}

void tst_OrderBook::duplicateIdIgnored()
{
    OrderBook book;
    const BookOrder buy = parseOrder(QStringLiteral("buy alice 500@150"), 0);
    book.submit(buy);
    BookOrder again = buy;
    again.energyWh = 900;
    QVERIFY(book.submit(again).isEmpty());
    QCOMPARE(formatAll(book.orders()), QStringList{"buy alice 500@150"});
}

void tst_OrderBook::cancel()
{
    OrderBook book;
    feed(book, {"buy alice 500@150", "sell bob 300@200", "buy carol 200@140"});
    QCOMPARE(book.size(), 3);
    const QList<BookOrder> before = book.orders();

    // Someone else's order: refused, book unchanged.
    Status st = book.cancel(orderId(0), QStringLiteral("bob"));
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, QStringLiteral("market.not_owner"));
    QVERIFY2(st.error().message.contains(QLatin1String("bob")), qPrintable(st.error().message));
    QVERIFY2(st.error().message.contains(QLatin1String("alice")), qPrintable(st.error().message));
    QVERIFY(book.orders() == before);

    // Unknown id: refused, the message names it.
    const Hash256 unknown = orderId(99);
    st = book.cancel(unknown, QStringLiteral("alice"));
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, QStringLiteral("market.unknown_order"));
    QVERIFY2(st.error().message.contains(unknown.shortHex()), qPrintable(st.error().message));
    QVERIFY(book.orders() == before);

    // By the owner: gone.
    st = book.cancel(orderId(0), QStringLiteral("alice"));
    QVERIFY2(st.ok(), qPrintable(st.errorString()));
    QVERIFY(!book.find(orderId(0)));
    QCOMPARE(formatAll(book.orders()), (QStringList{"buy carol 200@140", "sell bob 300@200"}));
    QCOMPARE(book.size(), 2);

    // Twice: now unknown.
    st = book.cancel(orderId(0), QStringLiteral("alice"));
    QCOMPARE(st.error().code, QStringLiteral("market.unknown_order"));

    // A cancelled order no longer matches.
    QVERIFY(book.submit(parseOrder(QStringLiteral("sell dave 100@100"), 10)).size() == 1);
    QCOMPARE(formatAll(book.orders()), (QStringList{"buy carol 100@140", "sell bob 300@200"}));
}

void tst_OrderBook::expire_data()
{
    QTest::addColumn<QStringList>("orders");
    QTest::addColumn<qint64>("nowMs");
    QTest::addColumn<QList<int>>("removed");     // indexes into orders, in the reported order
    QTest::addColumn<QStringList>("remaining");

    // Default config: 15-minute slots, slot 1 starts at 900000 ms, slot 2 at 1800000 ms.
    const QStringList orders{"buy alice 100@150 s2 e1000", "sell bob 100@200 s2 e2000000",
                             "buy carol 100@160 s2 e2000000", "sell dave 100@190 s2 e1000",
                             "buy erin 100@120 s1", "sell frank 100@250 s1", "buy gina 100@170 s3 e1000"};

    QTest::newRow("nothing due") << orders << qint64(999) << QList<int>{} << QStringList{
        "buy erin 100@120 s1", "sell frank 100@250 s1", "buy carol 100@160 s2", "buy alice 100@150 s2",
        "sell dave 100@190 s2", "sell bob 100@200 s2", "buy gina 100@170 s3"};
    QTest::newRow("by expiry, inclusive")
        << orders << qint64(1000) << QList<int>{0, 3, 6}
        << QStringList{"buy erin 100@120 s1", "sell frank 100@250 s1", "buy carol 100@160 s2",
                       "sell bob 100@200 s2"};
    QTest::newRow("by gate closure, inclusive")
        << QStringList{"buy erin 100@120 s1", "sell frank 100@250 s1", "buy carol 100@160 s2"}
        << qint64(900000) << QList<int>{0, 1} << QStringList{"buy carol 100@160 s2"};
    QTest::newRow("both, sorted by slot, side, price, time")
        << orders << qint64(900000) << QList<int>{4, 5, 0, 3, 6}
        << QStringList{"buy carol 100@160 s2", "sell bob 100@200 s2"};
    QTest::newRow("everything")
        << orders << qint64(2700000) << QList<int>{4, 5, 2, 0, 3, 1, 6} << QStringList{};
}

void tst_OrderBook::expire()
{
    QFETCH(QStringList, orders);
    QFETCH(qint64, nowMs);
    QFETCH(QList<int>, removed);
    QFETCH(QStringList, remaining);

    OrderBook book;
    QVERIFY(feed(book, orders).isEmpty());
    QList<Hash256> expected;
    for (int i : removed)
        expected.append(orderId(i));
    QCOMPARE(book.expire(nowMs, MarketConfig{}), expected);
    QCOMPARE(formatAll(book.orders()), remaining);
    QCOMPARE(book.size(), remaining.size());
    for (int i : removed)
        QVERIFY(!book.find(orderId(i)));
    // Idempotent.
    QVERIFY(book.expire(nowMs, MarketConfig{}).isEmpty());
}

void tst_OrderBook::depth()
{
    OrderBook book;
    feed(book, {"buy a 100@150", "buy b 250@150", "buy c 300@170", "buy d 50@120", "sell e 400@200",
                "sell f 100@180", "sell g 200@200", "buy h 999@150 s2", "sell i 999@200 s2"});
    QCOMPARE(formatAll(book.depth(0, Side::Buy)), (QStringList{"300@170 x1", "350@150 x2", "50@120 x1"}));
    QCOMPARE(formatAll(book.depth(0, Side::Sell)), (QStringList{"100@180 x1", "600@200 x2"}));
    QCOMPARE(formatAll(book.depth(2, Side::Buy)), QStringList{"999@150 x1"});
    QVERIFY(book.depth(1, Side::Buy).isEmpty());

    // A partial fill shows up in the aggregate; a full fill removes the level.
    book.submit(parseOrder(QStringLiteral("sell j 350@150"), 20));
    QCOMPARE(formatAll(book.depth(0, Side::Buy)), (QStringList{"300@150 x2", "50@120 x1"}));
    QCOMPARE(formatAll(book.depth(0, Side::Sell)), (QStringList{"100@180 x1", "600@200 x2"}));
}

void tst_OrderBook::ordersOf()
{
    OrderBook book;
    feed(book, {"sell alice 100@200 s1", "buy bob 100@100", "buy alice 100@120 s1", "buy alice 100@150",
                "sell alice 100@190 s1"});
    QCOMPARE(formatAll(book.ordersOf(QStringLiteral("alice"))),
             (QStringList{"buy alice 100@150", "buy alice 100@120 s1", "sell alice 100@190 s1",
                          "sell alice 100@200 s1"}));
    QVERIFY(book.ordersOf(QStringLiteral("nobody")).isEmpty());
}

void tst_OrderBook::replayIsDeterministic_data()
{
    QTest::addColumn<MarketMode>("mode");
    QTest::addColumn<quint32>("seed");
    QTest::newRow("cda seed 1") << MarketMode::ContinuousDoubleAuction << quint32(1);
    QTest::newRow("cda seed 20240601") << MarketMode::ContinuousDoubleAuction << quint32(20240601);
    QTest::newRow("paper seed 1") << MarketMode::Paper << quint32(1);
    QTest::newRow("paper seed 7") << MarketMode::Paper << quint32(7);
}

void tst_OrderBook::replayIsDeterministic()
{
    QFETCH(MarketMode, mode);
    QFETCH(quint32, seed);

    const MarketConfig config;
    const QList<Op> ops = randomOps(seed, 5000, config);

    OrderBook first(mode);
    OrderBook second(mode);
    const Trace a = replay(first, ops, config);
    const Trace b = replay(second, ops, config);
    QCOMPARE(a.events, b.events);
    QVERIFY(a.fills == b.fills);
    QVERIFY(first.orders() == second.orders());
    QVERIFY(!a.fills.isEmpty());

    // And both follow the rules: same trace as the brute-force reference, step by step.
    ReferenceBook reference(mode);
    QStringList referenceEvents;
    for (const Op &op : ops) {
        switch (op.kind) {
        case Op::Submit:
            referenceEvents.append(QStringLiteral("fills ")
                                   + formatAll(reference.submit(op.order)).join(QLatin1Char(',')));
            break;
        case Op::Cancel:
            referenceEvents.append(QStringLiteral("cancel ") + reference.cancel(op.id, op.requester));
            break;
        case Op::Expire: {
            QStringList ids;
            for (const Hash256 &id : reference.expire(op.nowMs, config))
                ids.append(id.shortHex());
            referenceEvents.append(QStringLiteral("expire ") + ids.join(QLatin1Char(',')));
            break;
        }
        }
    }
    QCOMPARE(a.events, referenceEvents);
    QVERIFY(first.orders() == reference.orders());
    QCOMPARE(first.size(), reference.orders().size());
}

void tst_OrderBook::copyOnWrite()
{
    OrderBook original;
    feed(original, {"buy alice 500@150", "sell bob 300@200", "buy carol 200@140 s1"});
    const QList<BookOrder> before = original.orders();
    const BookOrder *alice = original.find(orderId(0));
    QVERIFY(alice);

    // Mutating a copy leaves the original (and pointers into it) untouched.
    OrderBook copy = original;
    QCOMPARE(copy.submit(parseOrder(QStringLiteral("sell dave 100@100"), 10)).size(), 1);
    QVERIFY(copy.cancel(orderId(1), QStringLiteral("bob")).ok());
    // Slots the copy did not touch stay shared (the same storage), so copying stays cheap.
    QVERIFY(copy.find(orderId(2)));
    QCOMPARE(copy.find(orderId(2)), original.find(orderId(2)));
    QVERIFY(copy.find(orderId(0)) != alice);
    QCOMPARE(copy.expire(0, MarketConfig{}), QList<Hash256>{orderId(0)}); // slot 0 closes at 0
    QCOMPARE(formatAll(copy.orders()), QStringList{"buy carol 200@140 s1"});
    QVERIFY(original.orders() == before);
    QCOMPARE(original.size(), 3);
    QCOMPARE(original.find(orderId(0)), alice);
    QCOMPARE(alice->energyWh, 500);

    // And the other way round: mutating the original leaves a copy untouched.
    OrderBook snapshot = original;
    original.submit(parseOrder(QStringLiteral("sell erin 500@150"), 11));
    QVERIFY(original.cancel(orderId(2), QStringLiteral("carol")).ok());
    QCOMPARE(formatAll(original.orders()), QStringList{"sell bob 300@200"});
    QVERIFY(snapshot.orders() == before);

    // Copies of copies and assignment.
    OrderBook third = snapshot;
    OrderBook fourth(MarketMode::Paper);
    fourth = third;
    QCOMPARE(fourth.mode(), MarketMode::ContinuousDoubleAuction);
    third.expire(FarFuture, MarketConfig{});
    QCOMPARE(third.size(), 0);
    QVERIFY(snapshot.orders() == before);
    QVERIFY(fourth.orders() == before);

    // Operations that change nothing are fine on a shared book.
    OrderBook shared = snapshot;
    QVERIFY(shared.expire(-1, MarketConfig{}).isEmpty()); // slot 0 closes at 0
    QVERIFY(!shared.cancel(orderId(99), QStringLiteral("x")).ok());
    QVERIFY(shared.submit(parseOrder(QStringLiteral("buy x 0@150"), 12)).isEmpty());
    QVERIFY(shared.orders() == before);
}

QTEST_GUILESS_MAIN(tst_OrderBook)
#include "tst_order_book.moc"
