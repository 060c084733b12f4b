#include "core/engine/microgrid.h"

#include <QMetaObject>

#include <chrono>

namespace mg::engine {

namespace {
constexpr auto PublishEvery = std::chrono::milliseconds(200);
constexpr int RecentBlocks = 200;
} // namespace

Microgrid::Microgrid(QObject *parent)
    : QObject(parent)
    , m_snapshot(std::make_shared<Snapshot>())
{
    qRegisterMetaType<mg::Error>("mg::Error");
}

Microgrid::~Microgrid()
{
    stop();
}

void Microgrid::start(const Scenario &scenario, double speed)
{
    stop();
    m_speed = speed;
    m_paused = false;
    m_stopRequested = false;
    m_running = true;
    m_thread = std::thread([this, scenario] { threadMain(scenario); });
}

void Microgrid::stop()
{
    if (!m_thread.joinable())
        return;
    m_stopRequested = true;
    {
        std::lock_guard lock(m_mutex);
        if (m_loop)
            m_loop->stop();
    }
    m_thread.join();
}

void Microgrid::setPaused(bool paused)
{
    m_paused = paused;
}

void Microgrid::setSpeed(double speed)
{
    m_speed = std::max(0.01, speed);
}

void Microgrid::post(std::function<void(Engine &)> fn)
{
    std::lock_guard lock(m_mutex);
    if (!m_loop || !m_engine) {
        QMetaObject::invokeMethod(this, [this] {
            Q_EMIT commandFailed(Error{QStringLiteral("engine.not_running"), QStringLiteral("the microgrid is not running")});
        }, Qt::QueuedConnection);
        return;
    }
    Engine *engine = m_engine;
    m_loop->post([engine, fn = std::move(fn)] { fn(*engine); });
}

void Microgrid::submit(const ledger::Transaction &tx)
{
    post([this, tx](Engine &e) {
        if (Status s = e.submit(tx); !s.ok()) {
            const Error err = s.error();
            QMetaObject::invokeMethod(this, [this, err] { Q_EMIT commandFailed(err); }, Qt::QueuedConnection);
        }
    });
}

void Microgrid::crash(const NodeId &node, bool down)
{
    post([node, down](Engine &e) { e.crash(node, down); });
}

void Microgrid::setFault(const NodeId &node, consensus::Fault fault)
{
    post([node, fault](Engine &e) { e.setFault(node, fault); });
}

void Microgrid::partition(const QList<QList<NodeId>> &parts)
{
    post([parts](Engine &e) { e.network().partition(parts); });
}

void Microgrid::heal()
{
    post([](Engine &e) { e.network().heal(); });
}

void Microgrid::setLinkConditions(const net::LinkConditions &conditions)
{
    post([conditions](Engine &e) { e.network().setConditions(conditions); });
}

std::shared_ptr<const Snapshot> Microgrid::snapshot() const
{
    std::lock_guard lock(m_mutex);
    return m_snapshot;
}

void Microgrid::threadMain(Scenario scenario)
{
    auto created = Engine::create(scenario);
    if (!created.ok()) {
        m_running = false;
        const Error err = created.error();
        QMetaObject::invokeMethod(this, [this, err] { Q_EMIT failed(err); }, Qt::QueuedConnection);
        return;
    }
    std::unique_ptr<Engine> engine = std::move(created).value();
    {
        std::lock_guard lock(m_mutex);
        m_loop = &engine->loop();
        m_engine = engine.get();
    }
    m_recent.clear();
    for (ChainId id : engine->chainIds()) {
        consensus::ChainContext *ctx = engine->chain(id);
        auto previous = ctx->onFinal;
        ctx->onFinal = [this, previous](const ledger::Block &block) {
            if (previous)
                previous(block);
            Snapshot::BlockSummary b;
            b.chainId = block.header.chainId;
            b.height = block.header.height;
            b.hash = block.header.hash();
            b.biller = block.header.billerId;
            b.txCount = int(block.txs.size());
            b.acks = int(block.header.acks.size());
            b.timestampMs = block.header.timestampMs;
            m_recent.append(b);
            if (m_recent.size() > RecentBlocks)
                m_recent.remove(0, m_recent.size() - RecentBlocks);
        };
    }
    engine->start();
    QMetaObject::invokeMethod(this, [this] { Q_EMIT started(); }, Qt::QueuedConnection);

    using Clock = std::chrono::steady_clock;
    const auto step = std::chrono::duration_cast<std::chrono::microseconds>(PublishEvery).count();
    while (!m_stopRequested) {
        const auto t0 = Clock::now();
        if (m_paused) {
            engine->loop().runFor(0); // still serve posted commands
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        } else if (scenario.clock == net::ClockMode::Virtual) {
            // Advance simulated time in small slices so commands and snapshots stay timely.
            const auto sliceEnd = t0 + PublishEvery;
            const net::TimeUs slice = net::TimeUs(double(step) * m_speed.load() / 10.0);
            while (!m_stopRequested && !m_paused && Clock::now() < sliceEnd)
                if (!engine->loop().runFor(std::max<net::TimeUs>(1, slice)))
                    break;
                else if (Clock::now() < sliceEnd)
                    std::this_thread::sleep_until(std::min(sliceEnd, Clock::now() + PublishEvery / 10));
        } else {
            engine->loop().runFor(step);
        }
        publish(*engine);
    }
    {
        std::lock_guard lock(m_mutex);
        m_loop = nullptr;
        m_engine = nullptr;
    }
    engine.reset();
    m_running = false;
    QMetaObject::invokeMethod(this, [this] { Q_EMIT stopped(); }, Qt::QueuedConnection);
}

void Microgrid::publish(Engine &engine)
{
    auto s = std::make_shared<Snapshot>();
    s->sequence = ++m_sequence;
    s->running = true;
    s->paused = m_paused;
    s->topology = engine.scenario().topology;
    s->clock = engine.scenario().clock;
    s->nowMs = engine.loop().nowMs();
    s->speed = m_speed;
    s->chains = engine.status();
    for (const ChainStatus &c : s->chains) {
        s->blocksFinal += c.blocks;
        s->transactionsFinal += c.transactions;
    }
    for (const NodeId &id : engine.nodeIds()) {
        const consensus::Directory::Entry *e = engine.directory().find(id);
        consensus::Node *n = engine.node(id);
        Snapshot::NodeStatus ns;
        ns.id = id;
        ns.name = e->info.name;
        ns.chainId = e->chainId;
        ns.state = e->info.state;
        ns.scoreMicro = engine.directory().scoreMicro(id);
        ns.down = n && n->isDown();
        ns.lat = e->info.lat;
        ns.lon = e->info.lon;
        if (consensus::ChainContext *ctx = engine.chain(e->chainId))
            ns.isBiller = ctx->biller() == id;
        if (n)
            if (consensus::ChainMember *m = n->member(e->chainId)) {
                ns.mempool = m->mempoolSize();
                ns.fault = m->fault();
            }
        s->nodes.append(ns);
    }
    s->recentBlocks = m_recent;
    const EngineMetrics &m = engine.metrics();
    s->ordersSubmitted = m.submitted;
    s->consensusP50Ms = m.consensus.percentileMs(50);
    s->consensusP99Ms = m.consensus.percentileMs(99);
    s->finalP50Ms = m.finality.percentileMs(50);
    s->finalP99Ms = m.finality.percentileMs(99);
    s->anchorP50Ms = m.anchoring.percentileMs(50);
    s->anchorP99Ms = m.anchoring.percentileMs(99);
    s->messagesSent = engine.network().stats().sent;
    s->messagesDropped = engine.network().stats().dropped;
    s->evidence = m.evidence.mid(std::max<qsizetype>(0, m.evidence.size() - 50));
    {
        std::lock_guard lock(m_mutex);
        m_snapshot = std::move(s);
    }
    QMetaObject::invokeMethod(this, [this] { Q_EMIT snapshotChanged(); }, Qt::QueuedConnection);
}

} // namespace mg::engine
