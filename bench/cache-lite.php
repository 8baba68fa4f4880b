<?php
// PEAR Cache_Lite_Function, the seed article's cache, measured the way bench/cache.mjs measures
// dcn's ResultCache: `php bench/cache-lite.php hot N` hits 100 cached keys N times;
// `fill N DIR` caches N keys, `distinct N DIR` then hits each once (a fresh process, so nothing
// is in memory). CACHE_LITE_DIR points at the unmodified PEAR Cache_Lite files
// (https://pear.php.net/package/Cache_Lite). Prints hits/s.
error_reporting(E_ALL & ~E_DEPRECATED & ~E_STRICT & ~E_NOTICE);
set_include_path(getenv('CACHE_LITE_DIR') . PATH_SEPARATOR . get_include_path());
require_once 'Cache/Lite/Function.php';
function getOrderItems($order_no) {
  $rows = array();
  for ($i = 0; $i < 20; $i++) $rows[] = array('ORDER_ID'=>$order_no,'LINE_ITEM_ID'=>$i,'PRODUCT_ID'=>2751+$i,'UNIT_PRICE'=>61.5,'QUANTITY'=>3);
  return array(20, $rows);
}
$mode = $argv[1];
$n = (int)$argv[2];
$dir = rtrim($argv[3] ?? (sys_get_temp_dir() . '/cl-hot-' . getmypid()), '/') . '/';
@mkdir($dir);
$cache = new Cache_Lite_Function(array('cacheDir'=>$dir,'lifeTime'=>86400));
if ($mode === 'hot') {
  for ($k = 0; $k < 100; $k++) $cache->call('getOrderItems', 2400 + $k);
  $t = microtime(true);
  for ($i = 0; $i < $n; $i++) $cache->call('getOrderItems', 2400 + ($i % 100));
  printf("%.0f\n", $n / (microtime(true) - $t));
  array_map('unlink', glob($dir . '*'));
  rmdir($dir);
} elseif ($mode === 'fill') {
  for ($k = 0; $k < $n; $k++) $cache->call('getOrderItems', $k);
} else {
  $t = microtime(true);
  for ($k = 0; $k < $n; $k++) $cache->call('getOrderItems', $k);
  printf("%.0f\n", $n / (microtime(true) - $t));
}
