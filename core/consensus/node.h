#pragma once

#include "core/consensus/chain_member.h"

#include <map>
#include <memory>

namespace mg::consensus {

// A node hosted in this process: its key and its part in each chain it belongs to (its
// sub-chain, and the parent chain while it is a biller or a regulator).
class Node : public net::Endpoint
{
public:
    Node(NodeId id, crypto::KeyPair key, net::EventLoop &loop, net::Transport &transport);
    ~Node() override;

    const NodeId &id() const { return m_id; }
    const crypto::KeyPair &key() const { return m_key; }

    ChainMember *join(ChainContext &chain); // idempotent
    void leave(ChainId chain);
    ChainMember *member(ChainId chain) const;
    QList<ChainId> chains() const;

    void deliver(const net::MessagePtr &message) override;

    void setDown(bool down);
    bool isDown() const { return m_down; }
    void setFault(Fault fault);

private:
    NodeId m_id;
    crypto::KeyPair m_key;
    net::EventLoop &m_loop;
    net::Transport &m_transport;
    std::map<ChainId, std::unique_ptr<ChainMember>> m_members;
    bool m_down = false;
    Fault m_fault = Fault::None;
};

} // namespace mg::consensus
