#include "core/ledger/merkle.h"

#include "core/ledger/encoding.h"

namespace mg::ledger {

namespace {

constexpr quint8 ProofVersion = 1;
// A tree over at most 2^32 leaves has at most 32 levels above the leaves.
constexpr quint32 MaxProofDepth = 32;

crypto::Hash256 leafHash(const crypto::Hash256 &id)
{
    static const char tag = 0x00;
    return crypto::sha256({QByteArrayView(&tag, 1), QByteArrayView(id.bytes.data(), crypto::Hash256::Size)});
}

crypto::Hash256 innerHash(const crypto::Hash256 &left, const crypto::Hash256 &right)
{
    static const char tag = 0x01;
    return crypto::sha256({QByteArrayView(&tag, 1), QByteArrayView(left.bytes.data(), crypto::Hash256::Size),
                           QByteArrayView(right.bytes.data(), crypto::Hash256::Size)});
}

QList<crypto::Hash256> nextLevel(const QList<crypto::Hash256> &level)
{
    QList<crypto::Hash256> next;
    next.reserve((level.size() + 1) / 2);
    for (qsizetype i = 0; i + 1 < level.size(); i += 2)
        next.append(innerHash(level[i], level[i + 1]));
    if (level.size() % 2 == 1)
        next.append(level.last()); // promoted unchanged
    return next;
}

QList<crypto::Hash256> leafLevel(const QList<crypto::Hash256> &leaves)
{
    QList<crypto::Hash256> level;
    level.reserve(leaves.size());
    for (const crypto::Hash256 &id : leaves)
        level.append(leafHash(id));
    return level;
}

} // namespace

crypto::Hash256 merkleRoot(const QList<crypto::Hash256> &leaves)
{
    if (leaves.isEmpty())
        return {};
    QList<crypto::Hash256> level = leafLevel(leaves);
    while (level.size() > 1)
        level = nextLevel(level);
    return level.first();
}

MerkleProof merkleProof(const QList<crypto::Hash256> &leaves, quint32 index)
{
    MerkleProof proof;
    proof.index = index;
    proof.leafCount = static_cast<quint32>(leaves.size());
    Q_ASSERT(index < proof.leafCount);
    if (index >= proof.leafCount)
        return proof; // an unverifiable proof rather than a crash in release builds

    QList<crypto::Hash256> level = leafLevel(leaves);
    qsizetype pos = index;
    while (level.size() > 1) {
        if (pos % 2 == 1)
            proof.siblings.append(level[pos - 1]);
        else if (pos + 1 < level.size())
            proof.siblings.append(level[pos + 1]);
        // else: the last, odd node is promoted and has no sibling at this level
        level = nextLevel(level);
        pos /= 2;
    }
    return proof;
}

bool verifyMerkleProof(const crypto::Hash256 &leaf, const MerkleProof &proof, const crypto::Hash256 &root)
{
    if (proof.leafCount == 0 || proof.index >= proof.leafCount)
        return false;
    crypto::Hash256 node = leafHash(leaf);
    quint64 pos = proof.index;
    quint64 width = proof.leafCount;
    qsizetype used = 0;
    // The tree shape follows from leafCount alone, so the proof must use exactly its siblings.
    while (width > 1) {
        const bool hasSibling = (pos % 2 == 1) || (pos + 1 < width);
        if (hasSibling) {
            if (used >= proof.siblings.size())
                return false;
            const crypto::Hash256 &sibling = proof.siblings[used++];
            node = (pos % 2 == 1) ? innerHash(sibling, node) : innerHash(node, sibling);
        }
        pos /= 2;
        width = (width + 1) / 2;
    }
    return used == proof.siblings.size() && node == root;
}

QByteArray MerkleProof::encode() const
{
    Writer w;
    w.u8(ProofVersion);
    w.u32(index);
    w.u32(leafCount);
    w.u32(static_cast<quint32>(siblings.size()));
    for (const crypto::Hash256 &h : siblings)
        w.hash(h);
    return w.take();
}

Result<MerkleProof> MerkleProof::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("merkle proof"));
    MerkleProof p;
    const quint8 version = r.u8("version");
    if (r.ok() && version != ProofVersion)
        r.fail("version", QStringLiteral("unsupported version %1").arg(version));
    p.index = r.u32("index");
    p.leafCount = r.u32("leafCount");
    const quint32 n = r.count("siblings", MaxProofDepth, crypto::Hash256::Size);
    p.siblings.reserve(n);
    for (quint32 i = 0; i < n && r.ok(); ++i)
        p.siblings.append(r.hash("sibling"));
    if (Status st = r.finish(); !st)
        return st.error();
    return p;
}

} // namespace mg::ledger
