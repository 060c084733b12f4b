// The engine's scheduler, the in-process network and the wire formats of network messages.

#include "core/consensus/messages.h"
#include "core/crypto/keys.h"
#include "core/net/event_loop.h"
#include "core/net/inprocess_network.h"
#include "core/net/message.h"

#include <QElapsedTimer>
#include <QtTest>

#include <atomic>
#include <functional>
#include <thread>

using namespace mg;
using net::ClockMode;
using net::EventLoop;
using net::InProcessNetwork;
using net::LinkConditions;
using net::Message;
using net::MessagePtr;
using net::MessageType;
using net::TimeUs;
using net::UsPerMs;
using net::UsPerSecond;

namespace {

// Records every delivery with the loop's time.
class Recorder : public net::Endpoint
{
public:
    explicit Recorder(EventLoop &loop) : m_loop(loop) {}
    void deliver(const MessagePtr &message) override { received.append({m_loop.now(), message}); }

    struct Delivery
    {
        TimeUs at;
        MessagePtr message;
    };
    QList<Delivery> received;

private:
    EventLoop &m_loop;
};

MessagePtr msg(const QString &from, int n = 0)
{
    return std::make_shared<Message>(MessageType::Transaction, 3, from, QByteArray::number(n));
}

// A network of named recorders on one virtual loop.
struct Net
{
    explicit Net(quint64 seed, LinkConditions c = {}, const QStringList &names = {"A", "B", "C", "D", "E"})
        : loop(ClockMode::Virtual, 1000 * UsPerSecond)
        , network(loop, seed, c)
    {
        for (const QString &n : names) {
            nodes.insert(n, std::make_shared<Recorder>(loop));
            network.attach(n, nodes.value(n).get());
        }
    }
    int count(const QString &n) const { return int(nodes.value(n)->received.size()); }

    EventLoop loop;
    InProcessNetwork network;
    QHash<QString, std::shared_ptr<Recorder>> nodes;
};

template<typename T>
void checkEveryTruncationFails(const QByteArray &bytes)
{
    for (qsizetype len = 0; len < bytes.size(); ++len) {
        auto r = T::decode(QByteArrayView(bytes.constData(), len));
        QVERIFY2(!r.ok(), qPrintable(QStringLiteral("a %1-byte prefix of %2 decoded").arg(len).arg(bytes.size())));
        QVERIFY(!r.error().code.isEmpty());
        QVERIFY(!r.error().message.isEmpty());
    }
    // One byte too many is an error as well.
    QVERIFY(!T::decode(QByteArray(bytes + QByteArray(1, 0))).ok());
    // The full encoding decodes.
    QVERIFY(T::decode(bytes).ok());
}

crypto::KeyPair testKey(const char *seed)
{
    return crypto::KeyPair::fromPrivateKey(crypto::sha256(QByteArray(seed)).toByteArray()).value();
}

} // namespace

class TestNet : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // ---- EventLoop ----
    void virtualOrder_data();
    void virtualOrder();
    void cancel();
    void cancelAfterRunIsHarmless();
    void eventsScheduledByEventsRunInOrder();
    void runForAdvancesClock();
    void runStopsWhenIdle();
    void stopMakesRunForReturnFalse();
    void postFromOtherThreadRunsOnLoop();
    void realClockRunForWaits();
    void realClockEventsRunInTimeOrder();

    // ---- InProcessNetwork ----
    void deliveryWithinLatencyAndJitter_data();
    void deliveryWithinLatencyAndJitter();
    void lossRate_data();
    void lossRate();
    void partitionAndHeal();
    void partitionDropsMessagesInFlight();
    void downNodeNeitherSendsNorReceives();
    void sameSeedSameDeliveries();
    void multicastSkipsSender();
    void sendNeverDeliversSynchronously();

    // ---- Message frames ----
    void frameRoundTrip_data();
    void frameRoundTrip();
    void truncatedFramesFail();
    void badFrames_data();
    void badFrames();
    void garbageFramesDoNotCrash();
    void decodedCachesAndRejectsGarbage();

    // ---- consensus messages ----
    void nominationRoundTrip();
    void confirmationRoundTrip();
    void confirmationSignsBillerChangeBytes();
    void blockVoteRoundTrip_data();
    void blockVoteRoundTrip();
    void consensusMessagesRejectBadVersion();
};

// ---- EventLoop --------------------------------------------------------------------------------

void TestNet::virtualOrder_data()
{
    QTest::addColumn<QList<int>>("delaysMs");
    QTest::addColumn<QList<int>>("expectedOrder"); // indices into delaysMs

    QTest::newRow("increasing") << QList<int>{1, 2, 3} << QList<int>{0, 1, 2};
    QTest::newRow("decreasing") << QList<int>{30, 20, 10} << QList<int>{2, 1, 0};
    QTest::newRow("ties keep scheduling order") << QList<int>{5, 5, 5, 5} << QList<int>{0, 1, 2, 3};
    QTest::newRow("mixed") << QList<int>{20, 10, 20, 0, 10} << QList<int>{3, 1, 4, 0, 2};
    QTest::newRow("negative delay is now") << QList<int>{5, -7, 0} << QList<int>{1, 2, 0};
}

void TestNet::virtualOrder()
{
    QFETCH(QList<int>, delaysMs);
    QFETCH(QList<int>, expectedOrder);

    const TimeUs start = 5 * UsPerSecond;
    EventLoop loop(ClockMode::Virtual, start);
    QList<int> order;
    QList<TimeUs> times;
    for (int i = 0; i < delaysMs.size(); ++i)
        loop.schedule(delaysMs[i] * UsPerMs, [&, i] {
            order.append(i);
            times.append(loop.now());
        });
    QCOMPARE(loop.pendingEvents(), size_t(delaysMs.size()));
    QVERIFY(loop.runFor(100 * UsPerMs));
    QCOMPARE(order, expectedOrder);
    for (int k = 0; k < order.size(); ++k)
        QCOMPARE(times[k], start + std::max(0, delaysMs[order[k]]) * UsPerMs);
    QCOMPARE(loop.processedEvents(), quint64(delaysMs.size()));
    QCOMPARE(loop.pendingEvents(), size_t(0));
}

void TestNet::cancel()
{
    EventLoop loop(ClockMode::Virtual);
    QStringList ran;
    const auto a = loop.schedule(10, [&] { ran << "a"; });
    const auto b = loop.schedule(20, [&] { ran << "b"; });
    const auto c = loop.schedule(30, [&] { ran << "c"; });
    QVERIFY(a != b && b != c && a != 0);
    loop.cancel(b);
    loop.cancel(0); // "no timer": ignored
    QCOMPARE(loop.pendingEvents(), size_t(2));
    // An event may cancel a later one.
    loop.schedule(15, [&] { loop.cancel(c); });
    loop.runFor(UsPerSecond);
    QCOMPARE(ran, QStringList({"a"}));
    QCOMPARE(loop.pendingEvents(), size_t(0));
}

void TestNet::cancelAfterRunIsHarmless()
{
    // Cancelling a timer that has already fired (a common race in timeout code) must not
    // disturb the bookkeeping of the timers still pending.
    EventLoop loop(ClockMode::Virtual);
    int ran = 0;
    const auto a = loop.schedule(10, [&] { ++ran; });
    loop.runFor(100);
    QCOMPARE(ran, 1);
    loop.cancel(a);
    loop.cancel(a);
    QCOMPARE(loop.pendingEvents(), size_t(0));
    loop.schedule(10, [&] { ++ran; });
    QCOMPARE(loop.pendingEvents(), size_t(1));
    loop.runFor(100);
    QCOMPARE(ran, 2);
    QCOMPARE(loop.pendingEvents(), size_t(0));
}

void TestNet::eventsScheduledByEventsRunInOrder()
{
    EventLoop loop(ClockMode::Virtual);
    QList<TimeUs> at;
    std::function<void(int)> chain = [&](int left) {
        at.append(loop.now());
        if (left > 0)
            loop.schedule(7, [&chain, left] { chain(left - 1); });
    };
    loop.schedule(0, [&] { chain(4); });
    // A zero-delay event scheduled from an event runs in the same runFor, after the current one.
    loop.schedule(0, [&] { loop.schedule(0, [&] { at.append(-1); }); });
    loop.runFor(100);
    QCOMPARE(at, QList<TimeUs>({0, -1, 7, 14, 21, 28}));
}

void TestNet::runForAdvancesClock()
{
    const TimeUs start = 1767225600000LL * UsPerMs;
    EventLoop loop(ClockMode::Virtual, start);
    QCOMPARE(loop.now(), start);
    QCOMPARE(loop.nowMs(), start / UsPerMs);
    // No events at all: the clock still moves by the full duration.
    QVERIFY(loop.runFor(3 * UsPerSecond));
    QCOMPARE(loop.now(), start + 3 * UsPerSecond);

    bool early = false, late = false;
    loop.schedule(UsPerSecond, [&] { early = true; });
    loop.schedule(2 * UsPerSecond + 1, [&] { late = true; });
    QVERIFY(loop.runFor(2 * UsPerSecond));
    QVERIFY(early);
    QVERIFY(!late); // beyond the window
    QCOMPARE(loop.now(), start + 5 * UsPerSecond);
    QCOMPARE(loop.pendingEvents(), size_t(1));
    // An event exactly at the end of the window runs.
    QVERIFY(loop.runFor(1));
    QVERIFY(late);
    QCOMPARE(loop.now(), start + 5 * UsPerSecond + 1);
    // runFor(0) serves events due now and leaves the clock alone.
    bool now = false;
    loop.schedule(0, [&] { now = true; });
    QVERIFY(loop.runFor(0));
    QVERIFY(now);
    QCOMPARE(loop.now(), start + 5 * UsPerSecond + 1);
}

void TestNet::runStopsWhenIdle()
{
    EventLoop loop(ClockMode::Virtual);
    int n = 0;
    for (int i = 1; i <= 5; ++i)
        loop.schedule(i * UsPerSecond, [&] { ++n; });
    loop.run();
    QCOMPARE(n, 5);
    QCOMPARE(loop.now(), 5 * UsPerSecond); // at the last event, not beyond
}

void TestNet::stopMakesRunForReturnFalse()
{
    EventLoop loop(ClockMode::Virtual);
    int n = 0;
    loop.schedule(10, [&] { ++n; loop.stop(); });
    loop.schedule(20, [&] { ++n; });
    QVERIFY(!loop.runFor(100));
    QCOMPARE(n, 1);
    // The request is consumed: the next runFor carries on.
    QVERIFY(loop.runFor(100));
    QCOMPARE(n, 2);
}

void TestNet::postFromOtherThreadRunsOnLoop()
{
    // Virtual clock: posted functions run at the next runFor, on the caller's (loop's) thread.
    {
        EventLoop loop(ClockMode::Virtual);
        std::atomic_int ran{0};
        std::thread::id ranOn;
        std::thread poster([&] {
            for (int i = 0; i < 100; ++i)
                loop.post([&] { ++ran; ranOn = std::this_thread::get_id(); });
        });
        poster.join();
        QCOMPARE(ran.load(), 0); // nothing runs before the loop does
        loop.runFor(0);
        QCOMPARE(ran.load(), 100);
        QVERIFY(ranOn == std::this_thread::get_id());
    }
    // Real clock: a loop blocked in run() on its own thread wakes for a post from this thread.
    {
        EventLoop loop(ClockMode::Real);
        std::thread::id loopThread, ranOn;
        std::atomic_bool ran{false};
        std::thread t([&] {
            loopThread = std::this_thread::get_id();
            loop.run();
        });
        QElapsedTimer timer;
        timer.start();
        loop.post([&] {
            ranOn = std::this_thread::get_id();
            ran = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(ran.load(), 5000);
        loop.stop();
        t.join();
        QVERIFY(ranOn == loopThread);
        QVERIFY(ranOn != std::this_thread::get_id());
    }
}

void TestNet::realClockRunForWaits()
{
    EventLoop loop(ClockMode::Real);
    const TimeUs before = loop.now();
    QVERIFY(std::abs(before - QDateTime::currentMSecsSinceEpoch() * UsPerMs) < 5 * UsPerSecond);
    QElapsedTimer timer;
    timer.start();
    bool ran = false;
    loop.schedule(50 * UsPerMs, [&] { ran = true; });
    QVERIFY(loop.runFor(150 * UsPerMs));
    // Never early; the upper bound is generous (a loaded machine may be slow).
    QVERIFY2(timer.elapsed() >= 145, qPrintable(QString::number(timer.elapsed())));
    QVERIFY2(timer.elapsed() < 10000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(ran);
    QVERIFY(loop.now() - before >= 145 * UsPerMs);
}

void TestNet::realClockEventsRunInTimeOrder()
{
    EventLoop loop(ClockMode::Real);
    const TimeUs t0 = loop.now();
    QList<int> order;
    QList<TimeUs> lateness;
    for (int i : {3, 1, 2})
        loop.schedule(i * 20 * UsPerMs, [&, i] {
            order.append(i);
            lateness.append(loop.now() - (t0 + i * 20 * UsPerMs));
        });
    loop.runFor(200 * UsPerMs);
    QCOMPARE(order, QList<int>({1, 2, 3}));
    for (TimeUs l : lateness)
        QVERIFY2(l >= 0, "an event ran before its time");
}

// ---- InProcessNetwork -------------------------------------------------------------------------

void TestNet::deliveryWithinLatencyAndJitter_data()
{
    QTest::addColumn<qint64>("latencyUs");
    QTest::addColumn<qint64>("jitterUs");

    QTest::newRow("default LAN") << qint64(1000) << qint64(500);
    QTest::newRow("no jitter") << qint64(2500) << qint64(0);
    QTest::newRow("wide jitter") << qint64(10000) << qint64(90000);
    QTest::newRow("zero latency") << qint64(0) << qint64(300);
}

void TestNet::deliveryWithinLatencyAndJitter()
{
    QFETCH(qint64, latencyUs);
    QFETCH(qint64, jitterUs);

    LinkConditions c;
    c.latencyUs = latencyUs;
    c.jitterUs = jitterUs;
    Net n(42, c);
    const TimeUs t0 = n.loop.now();
    const int count = 2000;
    for (int i = 0; i < count; ++i)
        n.network.send(QStringLiteral("B"), msg(QStringLiteral("A"), i));
    n.loop.runFor(UsPerSecond);
    const auto &got = n.nodes.value("B")->received;
    QCOMPARE(got.size(), count);
    TimeUs minDelay = std::numeric_limits<TimeUs>::max(), maxDelay = 0;
    for (const auto &d : got) {
        const TimeUs delay = d.at - t0;
        QVERIFY2(delay >= latencyUs && delay <= latencyUs + jitterUs, qPrintable(QString::number(delay)));
        minDelay = std::min(minDelay, delay);
        maxDelay = std::max(maxDelay, delay);
    }
    // The jitter is actually used (spread over most of its range).
    if (jitterUs > 0) {
        QVERIFY(minDelay < latencyUs + jitterUs / 10);
        QVERIFY(maxDelay > latencyUs + jitterUs * 9 / 10);
    } else {
        QCOMPARE(maxDelay, latencyUs);
    }
    QCOMPARE(n.network.stats().sent, quint64(count));
    QCOMPARE(n.network.stats().delivered, quint64(count));
    QCOMPARE(n.network.stats().dropped, quint64(0));
    QVERIFY(n.network.stats().bytes > 0);
}

void TestNet::lossRate_data()
{
    QTest::addColumn<double>("rate");
    QTest::newRow("none") << 0.0;
    QTest::newRow("1%") << 0.01;
    QTest::newRow("10%") << 0.10;
    QTest::newRow("50%") << 0.50;
    QTest::newRow("all") << 1.0;
}

void TestNet::lossRate()
{
    QFETCH(double, rate);
    const int count = 20000;
    auto run = [&](quint64 seed) {
        LinkConditions c;
        c.lossRate = rate;
        Net n(seed, c);
        for (int i = 0; i < count; ++i)
            n.network.send(QStringLiteral("B"), msg(QStringLiteral("A"), i));
        n.loop.runFor(UsPerSecond);
        const int delivered = n.count("B");
        [&] {
            QCOMPARE(n.network.stats().delivered, quint64(delivered));
            QCOMPARE(n.network.stats().dropped, quint64(count - delivered));
        }();
        return delivered;
    };
    const int delivered = run(7);
    const double observed = 1.0 - double(delivered) / count;
    // 20000 Bernoulli trials: 4 standard deviations is at most 1.5 percentage points.
    QVERIFY2(std::abs(observed - rate) < 0.015, qPrintable(QStringLiteral("observed loss %1").arg(observed)));
    // Deterministic for a seed.
    QCOMPARE(run(7), delivered);
    if (rate > 0 && rate < 1)
        QVERIFY(run(8) != delivered || run(9) != delivered);
}

void TestNet::partitionAndHeal()
{
    Net n(1, {}, {"A", "B", "C", "D", "E"});
    n.network.partition({{"A", "B"}, {"C"}});
    // D and E are not listed: together they form one more partition.
    QVERIFY(n.network.canReach("A", "B"));
    QVERIFY(n.network.canReach("B", "A"));
    QVERIFY(!n.network.canReach("A", "C"));
    QVERIFY(!n.network.canReach("C", "A"));
    QVERIFY(n.network.canReach("D", "E"));
    QVERIFY(!n.network.canReach("D", "A"));
    QVERIFY(!n.network.canReach("C", "D"));

    const QStringList all{"A", "B", "C", "D", "E"};
    for (const QString &from : all)
        n.network.multicast(all, msg(from));
    n.loop.runFor(UsPerSecond);
    QCOMPARE(n.count("A"), 1); // from B
    QCOMPARE(n.count("B"), 1); // from A
    QCOMPARE(n.count("C"), 0);
    QCOMPARE(n.count("D"), 1); // from E
    QCOMPARE(n.count("E"), 1); // from D
    QCOMPARE(n.nodes.value("A")->received.first().message->from(), QStringLiteral("B"));
    QCOMPARE(n.network.stats().dropped, quint64(20 - 4));

    n.network.heal();
    for (const QString &a : all)
        for (const QString &b : all)
            QVERIFY(n.network.canReach(a, b));
    for (const QString &from : all)
        n.network.multicast(all, msg(from));
    n.loop.runFor(UsPerSecond);
    QCOMPARE(n.count("A"), 1 + 4);
    QCOMPARE(n.count("C"), 0 + 4);

    // A new partition replaces the old one.
    n.network.partition({{"A", "C"}});
    QVERIFY(n.network.canReach("A", "C"));
    QVERIFY(!n.network.canReach("A", "B"));
    QVERIFY(n.network.canReach("B", "E"));
}

void TestNet::partitionDropsMessagesInFlight()
{
    LinkConditions c;
    c.latencyUs = 10 * UsPerMs;
    c.jitterUs = 0;
    Net n(1, c);
    n.network.send("B", msg("A"));
    n.loop.runFor(5 * UsPerMs);
    n.network.partition({{"A"}, {"B"}});
    n.loop.runFor(10 * UsPerMs);
    QCOMPARE(n.count("B"), 0);
    QCOMPARE(n.network.stats().dropped, quint64(1));
}

void TestNet::downNodeNeitherSendsNorReceives()
{
    LinkConditions c;
    c.latencyUs = 10 * UsPerMs;
    c.jitterUs = 0;
    Net n(3, c);
    n.network.setDown("C", true);
    QVERIFY(n.network.isDown("C"));
    QVERIFY(!n.network.isDown("A"));
    n.network.send("B", msg("C")); // sent by a down node
    n.network.send("C", msg("A")); // to a down node
    n.network.send("B", msg("A")); // unaffected
    n.loop.runFor(UsPerSecond);
    QCOMPARE(n.count("B"), 1);
    QCOMPARE(n.count("C"), 0);
    QCOMPARE(n.nodes.value("B")->received.first().message->from(), QStringLiteral("A"));

    // In flight to a node that goes down before the message arrives: lost.
    n.network.setDown("C", false);
    n.network.send("C", msg("A", 1));
    n.loop.runFor(5 * UsPerMs);
    n.network.setDown("C", true);
    n.loop.runFor(10 * UsPerMs);
    QCOMPARE(n.count("C"), 0);

    // Back up: sends and receives again.
    n.network.setDown("C", false);
    n.network.send("C", msg("A", 2));
    n.network.send("A", msg("C", 3));
    n.loop.runFor(UsPerSecond);
    QCOMPARE(n.count("C"), 1);
    QCOMPARE(n.count("A"), 1);
    QCOMPARE(n.network.stats().dropped, quint64(3));
}

void TestNet::sameSeedSameDeliveries()
{
    LinkConditions c;
    c.latencyUs = 3000;
    c.jitterUs = 7000;
    c.lossRate = 0.2;
    auto trace = [&](quint64 seed) {
        Net n(seed, c);
        const QStringList all{"A", "B", "C", "D", "E"};
        for (int round = 0; round < 50; ++round) {
            for (const QString &from : all)
                n.network.multicast(all, msg(from, round));
            n.loop.runFor(2 * UsPerMs);
        }
        n.loop.runFor(UsPerSecond);
        QList<std::tuple<QString, TimeUs, QString, QByteArray>> t;
        for (const QString &to : all)
            for (const auto &d : n.nodes.value(to)->received)
                t.append({to, d.at, d.message->from(), d.message->body()});
        return t;
    };
    const auto a = trace(99);
    const auto b = trace(99);
    const auto other = trace(100);
    QVERIFY(a.size() > 500);
    QVERIFY(a == b);
    QVERIFY(a != other);
}

void TestNet::multicastSkipsSender()
{
    Net n(1);
    n.network.multicast({"A", "B", "C"}, msg("A"));
    n.loop.runFor(UsPerSecond);
    QCOMPARE(n.count("A"), 0);
    QCOMPARE(n.count("B"), 1);
    QCOMPARE(n.count("C"), 1);
    QCOMPARE(n.network.stats().sent, quint64(2));
    // One message object is shared by its recipients.
    QCOMPARE(n.nodes.value("B")->received.first().message.get(), n.nodes.value("C")->received.first().message.get());
}

void TestNet::sendNeverDeliversSynchronously()
{
    LinkConditions c;
    c.latencyUs = 0;
    c.jitterUs = 0;
    Net n(1, c);
    n.network.send("B", msg("A"));
    QCOMPARE(n.count("B"), 0);
    n.loop.runFor(0);
    QCOMPARE(n.count("B"), 1);
    // Detached nodes receive nothing; sending to an unknown node is harmless.
    n.network.detach("B");
    n.network.send("B", msg("A"));
    n.network.send("nobody", msg("A"));
    n.loop.runFor(UsPerSecond);
    QCOMPARE(n.count("B"), 1);
}

// ---- Message frames ---------------------------------------------------------------------------

void TestNet::frameRoundTrip_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<quint32>("chainId");
    QTest::addColumn<QString>("from");
    QTest::addColumn<QByteArray>("body");

    QTest::newRow("transaction") << int(MessageType::Transaction) << quint32(1) << QStringLiteral("N001") << QByteArray("body");
    QTest::newRow("empty body") << int(MessageType::Final) << quint32(0) << QStringLiteral("N100") << QByteArray();
    QTest::newRow("binary body") << int(MessageType::Vote) << quint32(0xffffffffu) << QStringLiteral("x") << QByteArray("\0\1\2\xff", 4);
    QTest::newRow("unicode sender") << int(MessageType::Nomination) << quint32(7) << QStringLiteral("节点-7") << QByteArray(1000, 'z');
    QTest::newRow("sync response") << int(MessageType::SyncResponse) << quint32(2) << QStringLiteral("N2") << QByteArray(70000, '\x5a');
}

void TestNet::frameRoundTrip()
{
    QFETCH(int, type);
    QFETCH(quint32, chainId);
    QFETCH(QString, from);
    QFETCH(QByteArray, body);

    const Message m(MessageType(type), chainId, from, body);
    const QByteArray frame = m.encode();
    auto d = Message::decode(frame);
    QVERIFY2(d.ok(), qPrintable(d.errorString()));
    QCOMPARE(int(d->type()), type);
    QCOMPARE(d->chainId(), chainId);
    QCOMPARE(d->from(), from);
    QCOMPARE(d->body(), body);
    QCOMPARE(d->encode(), frame);
}

void TestNet::truncatedFramesFail()
{
    const Message m(MessageType::Proposal, 4, QStringLiteral("N042"), QByteArray("some block bytes"));
    checkEveryTruncationFails<Message>(m.encode());
}

void TestNet::badFrames_data()
{
    QTest::addColumn<QByteArray>("frame");
    const QByteArray good = Message(MessageType::Vote, 1, QStringLiteral("N1"), QByteArray("v")).encode();

    QByteArray wrongVersion = good;
    wrongVersion[0] = 2;
    QByteArray typeZero = good;
    typeZero[1] = 0;
    QByteArray typeTooHigh = good;
    typeTooHigh[1] = char(net::MaxMessageType + 1);
    QByteArray type255 = good;
    type255[1] = char(0xff);

    QTest::newRow("empty") << QByteArray();
    QTest::newRow("wrong version") << wrongVersion;
    QTest::newRow("type 0") << typeZero;
    QTest::newRow("type too high") << typeTooHigh;
    QTest::newRow("type 255") << type255;
    QTest::newRow("trailing byte") << QByteArray(good + QByteArray(1, 'x'));
    QTest::newRow("huge length") << QByteArray("\x01\x01\x00\x00\x00\x01\xff\xff\xff\xff", 10);
}

void TestNet::badFrames()
{
    QFETCH(QByteArray, frame);
    auto d = Message::decode(frame);
    QVERIFY(!d.ok());
    QVERIFY(!d.error().code.isEmpty());
    QVERIFY(!d.error().message.isEmpty());
}

void TestNet::garbageFramesDoNotCrash()
{
    std::mt19937_64 rng(12345);
    int decoded = 0;
    for (int i = 0; i < 20000; ++i) {
        QByteArray frame(int(rng() % 64), Qt::Uninitialized);
        for (char &c : frame)
            c = char(rng());
        if (i % 2 && frame.size() >= 2) { // a plausible header makes the decoder go further
            frame[0] = 1;
            frame[1] = char(1 + rng() % net::MaxMessageType);
        }
        auto d = Message::decode(frame);
        if (d.ok()) {
            ++decoded;
            QCOMPARE(d->encode(), frame); // whatever decodes is canonical
        } else {
            QVERIFY(!d.error().message.isEmpty());
        }
    }
    QVERIFY(decoded < 200); // random bytes are almost never a frame
}

void TestNet::decodedCachesAndRejectsGarbage()
{
    consensus::Nomination n;
    n.chainId = 2;
    n.round = 5;
    n.candidate = QStringLiteral("N007");
    n.scoreMicro = 612000;
    n.signature = QByteArray(64, 's');

    Message good(MessageType::Nomination, 2, QStringLiteral("N007"), n.encode());
    const auto *d = good.decoded<consensus::Nomination>();
    QVERIFY(d);
    QCOMPARE(d->candidate, n.candidate);
    QCOMPARE(good.decoded<consensus::Nomination>(), d); // decoded once

    Message bad(MessageType::Nomination, 2, QStringLiteral("N007"), QByteArray("garbage"));
    QVERIFY(!bad.decoded<consensus::Nomination>());
    QVERIFY(!bad.decoded<consensus::Nomination>());

    auto made = Message::make(MessageType::Nomination, 2, QStringLiteral("N007"), n);
    QCOMPARE(made->body(), n.encode());
    QVERIFY(made->decoded<consensus::Nomination>());
    QCOMPARE(made->decoded<consensus::Nomination>()->scoreMicro, n.scoreMicro);
}

// ---- consensus messages -----------------------------------------------------------------------

void TestNet::nominationRoundTrip()
{
    const crypto::KeyPair key = testKey("nominee");
    consensus::Nomination n;
    n.chainId = 3;
    n.round = (quint64(17) << 16) + 2;
    n.candidate = QStringLiteral("N053");
    n.scoreMicro = 752000;
    n.signature = key.sign(n.signingBytes());

    const QByteArray bytes = n.encode();
    auto d = consensus::Nomination::decode(bytes);
    QVERIFY2(d.ok(), qPrintable(d.errorString()));
    QCOMPARE(d->chainId, n.chainId);
    QCOMPARE(d->round, n.round);
    QCOMPARE(d->candidate, n.candidate);
    QCOMPARE(d->scoreMicro, n.scoreMicro);
    QCOMPARE(d->signature, n.signature);
    QCOMPARE(d->encode(), bytes);
    QVERIFY(crypto::verifySignature(key.publicKey(), d->signingBytes(), d->signature));

    // The signature covers every field.
    consensus::Nomination other = *d;
    other.scoreMicro += 1;
    QVERIFY(!crypto::verifySignature(key.publicKey(), other.signingBytes(), other.signature));
    other = *d;
    other.round += 1;
    QVERIFY(!crypto::verifySignature(key.publicKey(), other.signingBytes(), other.signature));
    other = *d;
    other.chainId += 1;
    QVERIFY(!crypto::verifySignature(key.publicKey(), other.signingBytes(), other.signature));

    checkEveryTruncationFails<consensus::Nomination>(bytes);
}

void TestNet::confirmationRoundTrip()
{
    const crypto::KeyPair key = testKey("confirmer");
    consensus::ConfirmationMessage c;
    c.chainId = 0;
    c.round = 1;
    c.candidate = QStringLiteral("N010");
    c.scoreMicro = 1000000;
    c.confirmer = QStringLiteral("N011");
    c.signature = key.sign(c.signingBytes());

    const QByteArray bytes = c.encode();
    auto d = consensus::ConfirmationMessage::decode(bytes);
    QVERIFY2(d.ok(), qPrintable(d.errorString()));
    QCOMPARE(d->chainId, c.chainId);
    QCOMPARE(d->round, c.round);
    QCOMPARE(d->candidate, c.candidate);
    QCOMPARE(d->scoreMicro, c.scoreMicro);
    QCOMPARE(d->confirmer, c.confirmer);
    QCOMPARE(d->signature, c.signature);
    QCOMPARE(d->encode(), bytes);
    checkEveryTruncationFails<consensus::ConfirmationMessage>(bytes);
}

void TestNet::confirmationSignsBillerChangeBytes()
{
    // The winner forwards confirmations unchanged in its certificate: the signature must check
    // against BillerChangePayload::confirmationBytes().
    const crypto::KeyPair key = testKey("confirmer");
    consensus::ConfirmationMessage c;
    c.chainId = 4;
    c.round = 9;
    c.candidate = QStringLiteral("N040");
    c.scoreMicro = 640000;
    c.confirmer = QStringLiteral("N041");
    c.signature = key.sign(c.signingBytes());

    ledger::BillerChangePayload p;
    p.chainId = 4;
    p.round = 9;
    p.previousBiller = QStringLiteral("N033"); // not covered by confirmations
    p.newBiller = QStringLiteral("N040");
    p.scoreMicro = 640000;
    QVERIFY(crypto::verifySignature(key.publicKey(), p.confirmationBytes(), c.signature));
    p.round = 10;
    QVERIFY(!crypto::verifySignature(key.publicKey(), p.confirmationBytes(), c.signature));
}

void TestNet::blockVoteRoundTrip_data()
{
    QTest::addColumn<bool>("accept");
    QTest::addColumn<QString>("reason");
    QTest::newRow("accept") << true << QString();
    QTest::newRow("reject") << false << QStringLiteral("Merkle root does not match the body");
    QTest::newRow("reject unicode") << false << QStringLiteral("签名错误");
}

void TestNet::blockVoteRoundTrip()
{
    QFETCH(bool, accept);
    QFETCH(QString, reason);

    const crypto::KeyPair key = testKey("voter");
    consensus::BlockVote v;
    v.chainId = 6;
    v.height = 123456789012ull;
    v.blockHash = crypto::sha256(QByteArray("block"));
    v.voter = QStringLiteral("N061");
    v.accept = accept;
    v.reason = reason;
    v.signature = accept ? key.sign(v.blockHash.toByteArray()) : key.sign(v.signingBytes());

    const QByteArray bytes = v.encode();
    auto d = consensus::BlockVote::decode(bytes);
    QVERIFY2(d.ok(), qPrintable(d.errorString()));
    QCOMPARE(d->chainId, v.chainId);
    QCOMPARE(d->height, v.height);
    QCOMPARE(d->blockHash, v.blockHash);
    QCOMPARE(d->voter, v.voter);
    QCOMPARE(d->accept, v.accept);
    QCOMPARE(d->reason, v.reason);
    QCOMPARE(d->signature, v.signature);
    QCOMPARE(d->encode(), bytes);
    if (!accept) {
        QVERIFY(crypto::verifySignature(key.publicKey(), d->signingBytes(), d->signature));
        consensus::BlockVote changed = *d;
        changed.reason = QStringLiteral("something else");
        QVERIFY(!crypto::verifySignature(key.publicKey(), changed.signingBytes(), changed.signature));
    }
    checkEveryTruncationFails<consensus::BlockVote>(bytes);
}

void TestNet::consensusMessagesRejectBadVersion()
{
    consensus::Nomination n;
    n.candidate = QStringLiteral("N1");
    QByteArray nb = n.encode();
    nb[0] = 9;
    QVERIFY(!consensus::Nomination::decode(nb).ok());

    consensus::ConfirmationMessage c;
    c.candidate = QStringLiteral("N1");
    c.confirmer = QStringLiteral("N2");
    QByteArray cb = c.encode();
    cb[0] = 0;
    QVERIFY(!consensus::ConfirmationMessage::decode(cb).ok());

    consensus::BlockVote v;
    v.voter = QStringLiteral("N1");
    QByteArray vb = v.encode();
    vb[0] = 2;
    QVERIFY(!consensus::BlockVote::decode(vb).ok());
}

QTEST_GUILESS_MAIN(TestNet)
#include "tst_net.moc"
