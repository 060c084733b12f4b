#include "core/consensus/node.h"

namespace mg::consensus {

Node::Node(NodeId id, crypto::KeyPair key, net::EventLoop &loop, net::Transport &transport)
    : m_id(std::move(id))
    , m_key(std::move(key))
    , m_loop(loop)
    , m_transport(transport)
{
    m_transport.attach(m_id, this);
}

Node::~Node()
{
    m_transport.detach(m_id);
}

ChainMember *Node::join(ChainContext &chain)
{
    auto &slot = m_members[chain.id()];
    if (!slot) {
        slot = std::make_unique<ChainMember>(m_id, m_key, chain, m_loop, m_transport);
        slot->setFault(m_fault);
        slot->setDown(m_down);
        slot->start();
    }
    return slot.get();
}

void Node::leave(ChainId chain)
{
    m_members.erase(chain);
}

ChainMember *Node::member(ChainId chain) const
{
    auto it = m_members.find(chain);
    return it == m_members.end() ? nullptr : it->second.get();
}

QList<ChainId> Node::chains() const
{
    QList<ChainId> ids;
    for (const auto &[id, m] : m_members)
        ids.append(id);
    return ids;
}

void Node::deliver(const net::MessagePtr &message)
{
    if (m_down)
        return;
    if (ChainMember *m = member(message->chainId()))
        m->handle(message);
}

void Node::setDown(bool down)
{
    m_down = down;
    for (auto &[id, m] : m_members)
        m->setDown(down);
}

void Node::setFault(Fault fault)
{
    m_fault = fault;
    for (auto &[id, m] : m_members)
        m->setFault(fault);
}

} // namespace mg::consensus
