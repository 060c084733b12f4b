#include "core/consensus/directory.h"

#include <algorithm>

namespace mg::consensus {

void Directory::add(Entry entry)
{
    const NodeId id = entry.info.id;
    m_entries.insert(id, std::move(entry));
    ++m_version;
}

const Directory::Entry *Directory::find(const NodeId &id) const
{
    auto it = m_entries.constFind(id);
    return it == m_entries.cend() ? nullptr : &*it;
}

Directory::Entry *Directory::find(const NodeId &id)
{
    auto it = m_entries.find(id);
    return it == m_entries.end() ? nullptr : &*it;
}

QList<NodeId> Directory::ids() const
{
    QList<NodeId> ids = m_entries.keys();
    std::sort(ids.begin(), ids.end());
    return ids;
}

QByteArray Directory::publicKey(const NodeId &id) const
{
    const Entry *e = find(id);
    return e ? e->publicKey : QByteArray();
}

ledger::KeyLookup Directory::keyLookup() const
{
    return [this](const NodeId &id) { return publicKey(id); };
}

bool Directory::isActive(const NodeId &id) const
{
    const Entry *e = find(id);
    return e && e->info.state == roster::MembershipState::Active;
}

bool Directory::isRegulator(const NodeId &id) const
{
    const Entry *e = find(id);
    return e && e->regulator;
}

QList<NodeId> Directory::regulators() const
{
    QList<NodeId> ids;
    for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it)
        if (it->regulator)
            ids.append(it.key());
    std::sort(ids.begin(), ids.end());
    return ids;
}

void Directory::setState(const NodeId &id, roster::MembershipState state)
{
    if (Entry *e = find(id)) {
        e->info.state = state;
        ++m_version;
    }
}

qint64 Directory::scoreMicro(const NodeId &id) const
{
    const Entry *e = find(id);
    return e ? roster::dbscaScoreMicro(e->info, m_weights) : 0;
}

} // namespace mg::consensus
