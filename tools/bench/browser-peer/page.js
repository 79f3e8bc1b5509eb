/* page.js — the union-hall screen drawn the way it is usually built today: one ECharts instance per panel,
 * data updated once a second with random drift like bigscreen's demo feed (feeds/demo_sim.c), ECharts' default
 * update animations left on. Loaded by index.html; window.__peer reports progress for run.sh's screenshot. */
'use strict';

const TOWNS = ['临平', '南苑', '东湖', '星桥', '乔司', '运河', '崇贤', '塘栖', '良渚', '仁和', '瓶窑', '闲林', '仓前', '五常'];
const PEERS = ['临平区总工会', '杭州市总工会', '上城区总工会', '拱墅区总工会', '西湖区总工会', '滨江区总工会',
    '萧山区总工会', '余杭区总工会', '钱塘区总工会', '富阳区总工会', '临安区总工会', '桐庐县总工会',
    '淳安县总工会', '建德市总工会'];
const KINDS = ['职工互助医疗', '疗休养', '技能奖励', '法律援助', '双证制'];
const NEWS = [
    '临平区总工会“云课堂”新增劳模工匠系列课程10门',
    '“会员日”线上知识竞答本周五晚八点开赛，欢迎广大职工参与',
    '乔司街道总工会完成2026年度职工互助医疗线上申领',
    '区总工会发布第四季度职工疗休养线路，线上报名已开放',
    '南苑街道开展“工会法律援助进企业”线上宣讲',
    '元旦春节送温暖活动启动，困难职工帮扶线上申请通道开通',
];
const GOALS = [
    { label: '云课堂课程', target: 100, unit: '门', v: 73, p: 0.02 },
    { label: '线上培训', target: 50, unit: '场', v: 31, p: 0.015 },
    { label: '“会员日”知识竞答', target: 8, unit: '次', v: 6, p: 0.004 },
    { label: '节日普惠活动', target: 4, unit: '次', v: 3, p: 0.003 },
    { label: '专题讲座', target: 10, unit: '场', v: 7, p: 0.005 },
];
const C = { text: '#d8e6ff', dim: '#7f9cc8', accent: '#3ea6ff', accent2: '#27e0d0', gold: '#ffd45a',
    good: '#3ddc84', warn: '#ffb020', bad: '#ff5a5a', grid: 'rgba(64,158,255,0.15)' };
const FONT = '"Noto Sans CJK SC", sans-serif';

/* ---- the simulated state (same starting figures as demo_sim.c) ---- */
const S = {
    rate: 91.6, members: 128634, jobs: 1286,
    kinds: [1826, 642, 415, 238, 377],
    peers: PEERS.map((n, i) => ({ name: n, v: 860 - i * 38 + Math.random() * 60, d: 0.4 + Math.random() * 1.6 })),
    towns: TOWNS.map(() => 62 + Math.random() * 36),
};
S.peers[0].v = 812; S.peers[0].d = 2.2;
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

function step() {          /* one second of drift: a few ticks' worth of the demo simulation */
    S.rate = clamp(S.rate + (Math.random() - 0.48) * 0.3, 87.5, 97.5);
    S.members += Math.floor(Math.random() * 7);
    S.kinds.forEach((_, i) => { if (Math.random() < 0.25 / (1 + i * 0.5)) S.kinds[i] += 1; });
    if (Math.random() < 0.3) S.jobs += 1;
    GOALS.forEach(g => { if (g.v < g.target && Math.random() < g.p) g.v += 1; });
    S.peers.forEach(p => { p.v += p.d * Math.random() * 2; });
    S.towns = S.towns.map(v => clamp(v + (Math.random() - 0.5) * 3, 40, 100));
}

/* ---- the charts ---- */
const charts = {};
/* ?shot=1 (run.sh's screenshot only, taken in virtual time where chart animations do not advance): no chart
 * animations, so the picture shows settled charts. The measured page keeps ECharts' default animations. */
const SHOT = /(^|[?&])shot=1/.test(location.search);
function chart(id) {
    const c = echarts.init(document.getElementById(id), null, { renderer: 'canvas' });
    if (SHOT) c.setOption({ animation: false });
    return (charts[id] = c);
}

function centroid(geom) {  /* mean of the outer ring's points of the largest polygon: good enough for labels */
    const polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.coordinates;
    let best = polys[0][0];
    polys.forEach(p => { if (p[0].length > best.length) best = p[0]; });
    let x = 0, y = 0;
    best.forEach(pt => { x += pt[0]; y += pt[1]; });
    return [x / best.length, y / best.length];
}

function initCharts(geojson) {
    echarts.registerMap('linping', geojson);
    const centre = {};
    geojson.features.forEach(f => { centre[f.properties.name] = centroid(f.geometry); });

    chart('c-gauge').setOption({
        series: [{
            type: 'gauge', min: 0, max: 100, startAngle: 220, endAngle: -40, radius: '88%', center: ['50%', '56%'],
            progress: { show: true, width: 22, itemStyle: { color: C.good } },
            axisLine: { lineStyle: { width: 22, color: [[0.85, 'rgba(255,90,90,0.25)'], [0.9, 'rgba(255,176,32,0.25)'], [1, 'rgba(61,220,132,0.25)']] } },
            axisTick: { show: false }, splitLine: { length: 10, lineStyle: { color: C.dim } },
            axisLabel: { color: C.dim, distance: 30, fontFamily: FONT },
            pointer: { width: 6, itemStyle: { color: C.accent } }, anchor: { show: true, size: 14, itemStyle: { color: C.accent } },
            title: { offsetCenter: [0, '72%'], color: C.dim, fontSize: 18, fontFamily: FONT },
            detail: { offsetCenter: [0, '40%'], valueAnimation: true, formatter: '{value}%', color: C.gold, fontSize: 40, fontWeight: 700, fontFamily: FONT },
            markLine: undefined,
            data: [{ value: S.rate.toFixed(1), name: '线上办公率 · 目标 90%' }],
        }],
    });

    chart('c-donut').setOption({
        color: [C.accent, C.accent2, C.gold, C.warn, '#a77bff'],
        tooltip: { show: false },
        legend: { orient: 'vertical', right: 18, top: 'middle', textStyle: { color: C.text, fontSize: 16, fontFamily: FONT },
                  itemWidth: 14, itemHeight: 14, itemGap: 16 },
        series: [{ type: 'pie', radius: ['42%', '68%'], center: ['32%', '52%'], label: { show: false },
                   itemStyle: { borderColor: '#061433', borderWidth: 2 },
                   data: KINDS.map((k, i) => ({ name: k, value: S.kinds[i] })) }],
    });

    const flyFrom = ['塘栖', '良渚', '乔司', '运河', '仓前', '崇贤'];
    chart('c-map').setOption({
        geo: { map: 'linping', roam: false, layoutCenter: ['50%', '50%'], layoutSize: '95%',
               label: { show: true, color: '#ffffff', fontSize: 14, fontFamily: FONT },
               itemStyle: { borderColor: 'rgba(140,200,255,0.9)', borderWidth: 1.2, areaColor: '#12336b',
                            shadowColor: 'rgba(40,140,255,0.6)', shadowBlur: 12 },
               emphasis: { disabled: true } },
        visualMap: { type: 'continuous', min: 40, max: 100, left: 16, bottom: 16, calculable: false,
                     text: ['活跃', '低'], textStyle: { color: C.dim, fontFamily: FONT },
                     inRange: { color: ['#123a7a', '#1f6fd1', '#27c4e0'] }, seriesIndex: 0 },
        series: [
            { type: 'map', geoIndex: 0, data: TOWNS.map((t, i) => ({ name: t, value: Math.round(S.towns[i]) })) },
            { type: 'lines', coordinateSystem: 'geo', zlevel: 1,
              effect: { show: true, period: 3, trailLength: 0.15, symbol: 'arrow', symbolSize: 8, color: C.gold },
              lineStyle: { color: C.gold, width: 1.5, opacity: 0.6, curveness: 0.3 },
              data: flyFrom.map(t => ({ coords: [centre[t], centre['临平']] })) },
            { type: 'effectScatter', coordinateSystem: 'geo', zlevel: 1, rippleEffect: { scale: 4, brushType: 'stroke' },
              symbolSize: 10, itemStyle: { color: C.gold }, data: [{ name: '临平', value: centre['临平'] }] },
        ],
    });

    chart('c-rank').setOption({
        grid: { left: 150, right: 70, top: 12, bottom: 8 },
        xAxis: { type: 'value', show: false },
        yAxis: { type: 'category', inverse: true, axisLine: { show: false }, axisTick: { show: false },
                 axisLabel: { color: C.text, fontSize: 15, fontFamily: FONT }, data: [] },
        series: [{ type: 'bar', barWidth: 16, realtimeSort: true, showBackground: true,
                   backgroundStyle: { color: 'rgba(64,158,255,0.1)' },
                   label: { show: true, position: 'right', color: C.gold, fontFamily: FONT, valueAnimation: true,
                            formatter: p => p.value.toFixed(1) },
                   itemStyle: { borderRadius: [0, 8, 8, 0], color: p => p.name === '临平区总工会' ? C.gold : C.accent },
                   data: [] }],
        animationDuration: 0, animationDurationUpdate: 900, animationEasing: 'linear', animationEasingUpdate: 'linear',
    });

    chart('c-goals').setOption({
        grid: { left: 160, right: 96, top: 14, bottom: 8 },
        xAxis: { type: 'value', max: 100, show: false },
        yAxis: { type: 'category', inverse: true, axisLine: { show: false }, axisTick: { show: false },
                 axisLabel: { color: C.text, fontSize: 15, fontFamily: FONT }, data: GOALS.map(g => g.label) },
        series: [{ type: 'bar', barWidth: 14, showBackground: true, backgroundStyle: { color: 'rgba(64,158,255,0.12)', borderRadius: 7 },
                   itemStyle: { borderRadius: 7 },
                   label: { show: true, position: 'insideRight', distance: -90, align: 'left', color: C.text, fontFamily: FONT },
                   data: [] }],
    });
}

function fmt(n) { return Math.round(n).toLocaleString('en-US'); }

function render() {
    document.getElementById('kpi-members').textContent = fmt(S.members);
    document.getElementById('kpi-apply').textContent = fmt(S.kinds.reduce((a, b) => a + b, 0));
    document.getElementById('kpi-jobs').textContent = fmt(S.jobs);
    const pos = 1 + S.peers.slice(1).filter(p => p.v > S.peers[0].v).length;
    const el = document.getElementById('kpi-position');
    el.textContent = pos; el.style.color = pos <= 10 ? C.good : C.bad;

    charts['c-gauge'].setOption({ series: [{ progress: { itemStyle: { color: S.rate >= 90 ? C.good : S.rate >= 85 ? C.warn : C.bad } },
                                             data: [{ value: +S.rate.toFixed(1), name: '线上办公率 · 目标 90%' }] }] });
    charts['c-donut'].setOption({ series: [{ data: KINDS.map((k, i) => ({ name: k, value: S.kinds[i] })) }] });
    charts['c-map'].setOption({ series: [{ data: TOWNS.map((t, i) => ({ name: t, value: Math.round(S.towns[i]) })) }] });
    const top = S.peers.slice().sort((a, b) => b.v - a.v).slice(0, 10);
    charts['c-rank'].setOption({ yAxis: { data: top.map(p => p.name) },
                                 series: [{ data: top.map(p => ({ name: p.name, value: +p.v.toFixed(1) })) }] });
    charts['c-goals'].setOption({ series: [{ data: GOALS.map(g => ({
        value: Math.min(100, g.v / g.target * 100),
        itemStyle: { color: g.v >= g.target ? C.good : g.v / g.target >= 0.7 ? C.accent : C.warn },
        label: { formatter: `${g.v}/${g.target} ${g.unit}` } })) }] });
    document.getElementById('clock').textContent = new Date().toLocaleString('zh-CN', { hour12: false });
}

async function main() {
    document.getElementById('ticker-run').innerHTML = NEWS.map(n => `<span>${n}</span>`).join('');
    const geojson = await (await fetch('/layouts/linping-stylised.geojson')).json();
    initCharts(geojson);
    render();
    window.__peer = { updates: 0 };
    setInterval(() => { step(); render(); window.__peer.updates++; }, 1000);
}
main().catch(e => { document.body.insertAdjacentHTML('beforeend',
    `<pre style="position:absolute;top:400px;left:600px;color:#f66;font-size:24px">${e}</pre>`); });
