#include "ui/map/network_map_view.h"

#include "ui/charts/history_chart.h"

#include <QGraphicsEllipseItem>
#include <QGraphicsSimpleTextItem>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QtMath>

#include <map>

namespace mg::ui {

namespace {
constexpr double NodeRadius = 9;
constexpr double BillerRadius = 14;
constexpr double ClusterRadius = 70; // nodes around a cluster centre
const QColor HubColor(0x30, 0x30, 0x40);

QPolygonF star(const QPointF &c, double outer, double inner)
{
    QPolygonF p;
    for (int i = 0; i < 10; ++i) {
        const double a = -M_PI / 2 + i * M_PI / 5;
        const double r = i % 2 ? inner : outer;
        p << c + QPointF(std::cos(a) * r, std::sin(a) * r);
    }
    return p;
}
} // namespace

void paintNodeGlyph(QPainter &painter, const QRectF &rect, const NodeLook &look)
{
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    QColor fill = look.chainColor;
    if (look.excluded)
        fill = QColor(0xc8, 0xc8, 0xc8);
    else if (look.down)
        fill = QColor(0x40, 0x40, 0x40);
    QPen pen(look.biller ? QColor(0xb8, 0x86, 0x0b) : fill.darker(160), look.biller ? 3.0 : 1.2);
    if (look.pending)
        pen.setStyle(Qt::DashLine);
    if (look.faulty)
        pen.setColor(QColor(0xff, 0x45, 0x00));
    painter.setPen(pen);
    painter.setBrush(fill);
    const QRectF r = rect.adjusted(1.5, 1.5, -1.5, -1.5);
    painter.drawEllipse(r);
    if (look.biller) {
        painter.setPen(QPen(QColor(0x80, 0x5a, 0x00), 0.8));
        painter.setBrush(QColor(0xff, 0xd7, 0x00));
        painter.drawPolygon(star(r.center(), r.width() * 0.38, r.width() * 0.16));
    }
    if (look.excluded) { // a cross
        painter.setPen(QPen(QColor(0x30, 0x30, 0x30), 2.0));
        const QRectF c = r.adjusted(r.width() * 0.2, r.height() * 0.2, -r.width() * 0.2, -r.height() * 0.2);
        painter.drawLine(c.topLeft(), c.bottomRight());
        painter.drawLine(c.topRight(), c.bottomLeft());
    } else if (look.down) { // a red slash
        painter.setPen(QPen(QColor(0xe0, 0x20, 0x20), 2.5));
        painter.drawLine(r.topRight(), r.bottomLeft());
    }
    if (look.selected) {
        painter.setPen(QPen(QColor(0x00, 0x78, 0xd7), 2.0, Qt::DotLine));
        painter.setBrush(Qt::NoBrush);
        painter.drawEllipse(rect.adjusted(-3, -3, 3, 3));
    }
    painter.restore();
}

NodeItem::NodeItem(const QString &id)
    : m_id(id)
{
    setAcceptedMouseButtons(Qt::LeftButton);
    setCursor(Qt::PointingHandCursor);
    setToolTip(id);
    setZValue(2);
}

void NodeItem::setLook(const NodeLook &look)
{
    const auto same = [](const NodeLook &a, const NodeLook &b) {
        return a.chainColor == b.chainColor && a.biller == b.biller && a.down == b.down && a.excluded == b.excluded
            && a.pending == b.pending && a.faulty == b.faulty && a.selected == b.selected;
    };
    if (same(look, m_look))
        return;
    if (look.biller != m_look.biller)
        prepareGeometryChange();
    m_look = look;
    setZValue(look.biller ? 3 : 2);
    update();
}

QRectF NodeItem::boundingRect() const
{
    const double r = (m_look.biller ? BillerRadius : NodeRadius) + 4;
    return QRectF(-r, -r, 2 * r, 2 * r);
}

void NodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    const double r = m_look.biller ? BillerRadius : NodeRadius;
    paintNodeGlyph(*painter, QRectF(-r, -r, 2 * r, 2 * r), m_look);
}

NetworkMapView::NetworkMapView(QWidget *parent)
    : QGraphicsView(parent)
    , m_scene(new QGraphicsScene(this))
{
    setScene(m_scene);
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(320, 280);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setBackgroundBrush(QColor(0xfa, 0xfb, 0xfc));
}

void NetworkMapView::setSnapshot(const std::shared_ptr<const engine::Snapshot> &snapshot)
{
    QString key;
    for (const engine::Snapshot::NodeStatus &n : snapshot->nodes)
        key += n.id + QLatin1Char('@') + QString::number(n.chainId) + QLatin1Char(';');
    if (key != m_layoutKey) {
        layout(*snapshot);
        m_layoutKey = key;
    }
    std::map<engine::ChainId, QString> billers;
    for (const engine::ChainStatus &c : snapshot->chains)
        if (!c.isParent)
            billers[c.id] = c.biller;
    for (const engine::Snapshot::NodeStatus &n : snapshot->nodes) {
        NodeItem *item = m_items.value(n.id);
        if (!item)
            continue;
        NodeLook look;
        look.chainColor = n.chainId ? chainColor(m_chainIndex.value(n.chainId)) : HubColor.lighter(200);
        look.biller = n.isBiller;
        look.down = n.down;
        look.excluded = n.state == roster::MembershipState::Suspended || n.state == roster::MembershipState::Evicted;
        look.pending = n.state == roster::MembershipState::Pending;
        look.faulty = n.fault != consensus::Fault::None;
        look.selected = n.id == m_selected;
        item->setLook(look);
    }
    for (auto it = m_hubLinks.begin(); it != m_hubLinks.end(); ++it) {
        const NodeItem *biller = m_items.value(billers[it.key()]);
        it.value()->setVisible(biller != nullptr);
        if (biller && it.value()->line().p2() != biller->pos())
            it.value()->setLine(QLineF(QPointF(0, 0), biller->pos()));
    }
}

void NetworkMapView::setSelectedNode(const QString &id)
{
    if (NodeItem *old = m_items.value(m_selected)) {
        NodeLook look = old->look();
        look.selected = false;
        old->setLook(look);
    }
    m_selected = id;
    if (NodeItem *item = m_items.value(id)) {
        NodeLook look = item->look();
        look.selected = true;
        item->setLook(look);
    }
}

void NetworkMapView::layout(const engine::Snapshot &snapshot)
{
    ++m_layouts;
    m_scene->clear();
    m_items.clear();
    m_hubLinks.clear();
    m_chainIndex.clear();
    std::map<engine::ChainId, QList<const engine::Snapshot::NodeStatus *>> byChain;
    for (const engine::Snapshot::NodeStatus &n : snapshot.nodes)
        byChain[n.chainId].append(&n);
    QList<engine::ChainId> subChains;
    for (const auto &[id, nodes] : byChain)
        if (id != 0)
            subChains.append(id);
    const int chains = int(subChains.size());
    // Cluster centres on a ring around the hub, far enough apart not to touch.
    const double ring = std::max(170.0, chains * (2 * ClusterRadius + 50) / (2 * M_PI));
    QFont labelFont;
    labelFont.setPointSizeF(10);
    labelFont.setBold(true);
    for (int ci = 0; ci < chains; ++ci) {
        const engine::ChainId chain = subChains[ci];
        m_chainIndex.insert(chain, ci);
        const double a = -M_PI / 2 + 2 * M_PI * ci / std::max(1, chains);
        const QPointF centre(std::cos(a) * ring, std::sin(a) * ring);
        QColor tint = chainColor(ci);
        tint.setAlpha(40);
        auto *disc = m_scene->addEllipse(QRectF(centre - QPointF(ClusterRadius + 22, ClusterRadius + 22),
                                                QSizeF(2 * (ClusterRadius + 22), 2 * (ClusterRadius + 22))),
                                         QPen(chainColor(ci), 1.2), tint);
        disc->setZValue(0);
        auto *label = m_scene->addSimpleText(tr("Sub-chain %1").arg(chain), labelFont);
        label->setBrush(chainColor(ci).darker(150));
        const QPointF outward(std::cos(a), std::sin(a));
        QPointF labelPos = centre + outward * (ClusterRadius + 36);
        labelPos -= QPointF(label->boundingRect().width() / 2, label->boundingRect().height() / 2);
        label->setPos(labelPos);
        label->setZValue(4);
        auto *link = m_scene->addLine(QLineF(QPointF(0, 0), centre), QPen(QColor(0xb8, 0x86, 0x0b), 2.0, Qt::DashLine));
        link->setZValue(1);
        link->setVisible(false);
        m_hubLinks.insert(chain, link);
        // Nodes around the centre, ordered by their bearing from the cluster's geographic centroid
        // (so the map keeps their relative directions), or by id when they have no location.
        QList<const engine::Snapshot::NodeStatus *> nodes = byChain[chain];
        double lat = 0, lon = 0;
        int located = 0;
        for (const auto *n : nodes)
            if (n->lat && n->lon) {
                lat += *n->lat;
                lon += *n->lon;
                ++located;
            }
        if (located == nodes.size() && located > 0) {
            lat /= located;
            lon /= located;
            std::stable_sort(nodes.begin(), nodes.end(), [lat, lon](const auto *x, const auto *y) {
                return std::atan2(lat - *x->lat, *x->lon - lon) < std::atan2(lat - *y->lat, *y->lon - lon);
            });
        }
        for (int ni = 0; ni < nodes.size(); ++ni) {
            const double b = 2 * M_PI * ni / nodes.size();
            auto *item = new NodeItem(nodes[ni]->id);
            item->setPos(centre + QPointF(std::cos(b) * ClusterRadius, std::sin(b) * ClusterRadius));
            m_scene->addItem(item);
            m_items.insert(nodes[ni]->id, item);
        }
    }
    // The parent-chain hub, with the nodes outside any sub-chain (regulators) around it.
    auto *hub = m_scene->addEllipse(QRectF(-26, -26, 52, 52), QPen(HubColor, 2), QColor(0xe8, 0xe8, 0xf0));
    hub->setZValue(1.5);
    QFont hubFont;
    hubFont.setPointSizeF(9);
    hubFont.setBold(true);
    auto *hubLabel = m_scene->addSimpleText(tr("Parent"), hubFont);
    hubLabel->setPos(-hubLabel->boundingRect().width() / 2, -hubLabel->boundingRect().height() / 2);
    hubLabel->setZValue(1.6);
    const QList<const engine::Snapshot::NodeStatus *> outside = byChain[0];
    for (int i = 0; i < outside.size(); ++i) {
        const double b = M_PI / 4 + 2 * M_PI * i / std::max<qsizetype>(1, outside.size());
        auto *item = new NodeItem(outside[i]->id);
        item->setPos(std::cos(b) * 48, std::sin(b) * 48);
        m_scene->addItem(item);
        m_items.insert(outside[i]->id, item);
    }
    m_scene->setSceneRect(m_scene->itemsBoundingRect().adjusted(-10, -10, 10, 10));
    fitInView(m_scene->sceneRect(), Qt::KeepAspectRatio);
}

void NetworkMapView::mousePressEvent(QMouseEvent *event)
{
    for (QGraphicsItem *item : items(event->position().toPoint()))
        if (auto *node = dynamic_cast<NodeItem *>(item)) {
            Q_EMIT nodeClicked(node->id());
            event->accept();
            return;
        }
    QGraphicsView::mousePressEvent(event);
}

void NetworkMapView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    if (!m_scene->sceneRect().isEmpty())
        fitInView(m_scene->sceneRect(), Qt::KeepAspectRatio);
}

MapLegend::MapLegend(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 0, 4, 0);
    layout->setSpacing(6);
    const auto add = [this, layout](const NodeLook &look, double radius, const QString &text) {
        QPixmap pm(QSize(32, 32) * devicePixelRatioF());
        pm.setDevicePixelRatio(devicePixelRatioF());
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        paintNodeGlyph(p, QRectF(16 - radius, 16 - radius, 2 * radius, 2 * radius), look);
        p.end();
        auto *icon = new QLabel(this);
        icon->setPixmap(pm);
        layout->addWidget(icon);
        layout->addWidget(new QLabel(text, this));
        layout->addSpacing(6);
    };
    NodeLook member;
    member.chainColor = chainColor(0);
    add(member, NodeRadius, tr("Member"));
    NodeLook biller = member;
    biller.biller = true;
    add(biller, BillerRadius, tr("Biller"));
    NodeLook excluded = member;
    excluded.excluded = true;
    add(excluded, NodeRadius, tr("Suspended or evicted"));
    NodeLook down = member;
    down.down = true;
    add(down, NodeRadius, tr("Down"));
    NodeLook faulty = member;
    faulty.faulty = true;
    add(faulty, NodeRadius, tr("Faulty"));
    layout->addStretch();
}

} // namespace mg::ui
