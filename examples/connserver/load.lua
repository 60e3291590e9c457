-- wrk script for connserver: each request updates one of 64 sessions with
-- a 256-byte body. Usage (server running on the default address):
--
--   wrk -t2 -c16 -d10s --latency -s examples/connserver/load.lua http://127.0.0.1:8080
local body = string.rep("x", 256)
local n = 0

request = function()
	n = n + 1
	return wrk.format("POST", "/session/wrk-" .. (n % 64), nil, body)
end
