/* The cockpit's charts (zhifa/cockpit): drawn with the vendored ECharts from the data the page carries in its
   <script type="application/json" id="cockpit-data"> (no inline script, ADR 0007). Every chart repeats a table
   printed below it, so the page says the same without JavaScript. */
(function () {
  "use strict";
  var COLOURS = {published: "#2f6fb3", recorded: "#3a9a5b", reviewed: "#c27c0e",
                 alarm: "#c23b22", warning: "#e08a1e", notice: "#7a8a99"};

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return; }
    var chart = window.echarts.init(el, null, {renderer: "canvas"});
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function start() {
    var source = document.getElementById("cockpit-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var grid = {left: 36, right: 8, top: 16, bottom: 28, containLabel: true};
    draw("chart-trend", {
      aria: {enabled: true},
      grid: grid,
      xAxis: {type: "category", data: data.trend.months, axisLabel: {hideOverlap: true}},
      yAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}},
      series: data.trend.series.map(function (s) {
        return {type: "line", name: s.name, data: s.data, connectNulls: false,
                itemStyle: {color: COLOURS[s.key]}, lineStyle: {color: COLOURS[s.key]}};
      })
    });
    if (data.models.codes.length) {
      draw("chart-models", {
        aria: {enabled: true},
        grid: grid,
        xAxis: {type: "category", data: data.models.codes, axisLabel: {interval: 0, rotate: data.models.codes.length > 8 ? 45 : 0}},
        yAxis: {type: "value", minInterval: 1},
        series: data.models.series.map(function (s) {
          return {type: "bar", stack: "alerts", name: s.name, data: s.data, itemStyle: {color: COLOURS[s.key]}};
        })
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
