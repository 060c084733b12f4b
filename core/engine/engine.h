#pragma once

#include "core/consensus/node.h"
#include "core/engine/scenario.h"
#include "core/grid/agent.h"
#include "core/market/market_state.h"

#include <map>
#include <memory>
#include <random>
#include <vector>

namespace mg::store { class Store; struct NodeRecord; }
namespace mg::auth { struct Session; }

namespace mg::engine {

using consensus::ChainId;
using consensus::NodeId;

// Latency samples in microseconds with percentile helpers.
class LatencySamples
{
public:
    void add(net::TimeUs us)
    {
        m_samples.push_back(us);
        m_sorted = false;
    }
    size_t count() const { return m_samples.size(); }
    double percentileMs(double p) const;
    double meanMs() const;

private:
    mutable std::vector<net::TimeUs> m_samples;
    mutable bool m_sorted = false;
};

struct ChainStatus
{
    ChainId id = 0;
    bool isParent = false;
    quint64 blocks = 0;     // final blocks (height + 1)
    quint64 transactions = 0;
    NodeId biller;
    qint64 billerScoreMicro = 0;
    int members = 0;
    int activeMembers = 0;
    quint64 elections = 0;
    quint64 billerChanges = 0;
    int billerMempool = 0;
};

struct EngineMetrics
{
    LatencySamples consensus;   // block proposed -> final
    LatencySamples finality;    // transaction submitted -> its block final
    LatencySamples anchoring;   // transaction submitted -> its block anchored on the parent chain
    quint64 submitted = 0;
    quint64 rejectedBlocks = 0;
    quint64 billerTimeouts = 0;
    QStringList evidence;       // "member rejected block of biller: reason"
};

// The whole in-process microgrid on one event loop: nodes, chains, network, persistence.
// Single-threaded: every call happens on the thread that runs the loop (Microgrid hosts it on its
// own thread for the console; the CLI and tests drive it directly on the virtual clock).
class Engine
{
public:
    static Result<std::unique_ptr<Engine>> create(const Scenario &scenario);
    ~Engine();

    const Scenario &scenario() const { return m_scenario; }
    net::EventLoop &loop() { return *m_loop; }
    net::InProcessNetwork &network() { return *m_network; }
    consensus::Directory &directory() { return m_directory; }

    // Starts elections (and the synthetic load, if configured).
    void start();
    // Virtual clock: advances simulated time. Real clock: runs for that much wall time.
    void runFor(net::TimeUs duration) { m_loop->runFor(duration); }

    QList<ChainId> chainIds() const;
    consensus::ChainContext *chain(ChainId id) const;
    consensus::Node *node(const NodeId &id) const;
    QList<NodeId> nodeIds() const;
    // Sub-chain of a node (0 when not assigned).
    ChainId chainOf(const NodeId &id) const;
    QList<ChainStatus> status() const;
    // A sub-chain's market (book, contracts, accounts); nullptr for the parent chain.
    const market::MarketState *market(ChainId id) const;
    // Totals over all sub-chains' markets.
    market::MarketTotals marketTotals() const;
    const EngineMetrics &metrics() const { return m_metrics; }
    store::Store *store() const { return m_store.get(); }

    // A signed transaction from an in-process node, into its chain (sub-chain for orders).
    Status submit(const ledger::Transaction &tx);
    // Builds and signs a synthetic order for node (used by the load generator and tests).
    ledger::Transaction makeOrder(const NodeId &node);

    // Membership governance (on the parent chain; the only chain in the baseline).
    consensus::Governance &governance() { return *m_governance; }
    ChainId governanceChain() const;
    // A new node hosted here asks to join: it gets a key, waits as pending, and is assigned to
    // the nearest sub-chain with room once both votes pass. Returns the request's id.
    Result<crypto::Hash256> requestJoin(const roster::NodeInfo &info);
    // Kick, Suspend or Unsuspend proposed by an in-process node.
    Result<crypto::Hash256> propose(const NodeId &proposer, ledger::GovernancePayload::Action action,
                                    const NodeId &subject, const QString &reason);
    Status vote(const NodeId &voter, const crypto::Hash256 &proposal, bool approve);

    // Commands on behalf of a console user (checked here, in core, not by hiding buttons):
    // only the owner's user orders or cancels for a node, signing with the node's key unlocked
    // at login; only a regulator user acts as regulator, signing with its regulator node's key.
    Result<crypto::Hash256> placeOrder(const auth::Session &caller, const NodeId &node, const ledger::OrderPayload &order);
    Result<crypto::Hash256> cancelOrder(const auth::Session &caller, const NodeId &node, const crypto::Hash256 &orderId);
    Result<crypto::Hash256> regulate(const auth::Session &caller, ledger::RegulatorActionPayload::Action action,
                                     const NodeId &subject, const crypto::Hash256 &target, const QString &reason,
                                     const QByteArray &data = {});
    // The same, signed directly by an in-process regulator node (simulations, tests).
    Result<crypto::Hash256> regulateAs(const NodeId &regulatorNode, ledger::RegulatorActionPayload::Action action,
                                       const NodeId &subject, const crypto::Hash256 &target, const QString &reason,
                                       const QByteArray &data = {});
    const regulator::RuleBook &rules() const { return m_ruleBook; }

    // Fault injection.
    void crash(const NodeId &node, bool down);
    void setFault(const NodeId &node, consensus::Fault fault);

    static crypto::KeyPair seededKey(quint64 seed, const NodeId &node);
    // The scenario a data directory was created with (seed, topology, nodes and their
    // sub-chains, regulators), so a later process can host the same microgrid again.
    static Result<Scenario> scenarioFromStore(const QString &dataDir);

private:
    explicit Engine(const Scenario &scenario);
    Status build();
    Status restoreFromStore();
    void hookChain(consensus::ChainContext &ctx);
    void updateParentMembers();
    void scheduleLoad(const NodeId &node);
    void scheduleAgents();
    void runAgentsForSlot(qint64 slot);
    void submitSigned(const NodeId &node, ledger::TxKind kind, const QByteArray &payload);
    void onFinal(consensus::ChainContext &ctx, const ledger::Block &block);
    void anchor(const ledger::Block &block);
    void anchorLeftovers();
    Status submitGovernance(const NodeId &sender, const ledger::GovernancePayload &payload);
    void onProposalOpened(const consensus::Governance::Proposal &p);
    void onProposalDecided(const consensus::Governance::Proposal &p);
    ChainId placeJoiner(const roster::NodeInfo &info) const;
    void persistNode(const NodeId &id);
    store::NodeRecord nodeRecord(const NodeId &id) const;
    void reelectWithout(ChainId chain, const NodeId &node);
    void onRegulatorAction(const ledger::Transaction &tx, const ledger::RegulatorActionPayload &p, qint64 blockMs);
    Result<crypto::Hash256> submitAs(const NodeId &node, const crypto::KeyPair &key, ledger::TxKind kind, ChainId chain,
                                     const QByteArray &payload);

    Scenario m_scenario;
    std::unique_ptr<net::EventLoop> m_loop;
    std::unique_ptr<net::InProcessNetwork> m_network;
    consensus::Directory m_directory;
    std::unique_ptr<store::Store> m_store;
    std::unique_ptr<consensus::Governance> m_governance;
    regulator::RuleBook m_ruleBook;
    QSet<QString> m_suspensionProposed; // "chain/biller" already proposed after a timeout
    std::vector<std::unique_ptr<consensus::ChainRules>> m_chainRules;
    std::map<ChainId, std::unique_ptr<consensus::ChainContext>> m_chains;
    std::map<NodeId, std::unique_ptr<consensus::Node>> m_nodes;
    std::map<ChainId, quint64> m_billerChanges;
    std::mt19937_64 m_loadRng;
    std::map<NodeId, quint64> m_nonces;
    std::map<NodeId, std::unique_ptr<grid::ProsumerAgent>> m_agents;
    // (chain, height) of final sub-chain blocks not yet anchored -> submit times of their inputs
    std::map<std::pair<ChainId, quint64>, std::vector<qint64>> m_awaitingAnchor;
    EngineMetrics m_metrics;
    bool m_started = false;
    QList<std::pair<ChainId, quint64>> m_unanchored; // found on restart, anchored at start()
    bool m_replaying = false; // re-applying stored governance blocks: no new votes
};

} // namespace mg::engine
