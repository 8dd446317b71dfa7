-- wrk script for bench/path.sh: one fixed request.
--   wrk ... -s request.lua -- METHOD PATH HOST BEARER|- BODY|-
-- BEARER "-" sends no Authorization header; BODY "-" sends none (else it is sent as JSON).
local req
function init(args)
  local headers = { ["Host"] = args[3] }
  if args[4] ~= "-" then headers["Authorization"] = "Bearer " .. args[4] end
  local body = nil
  if args[5] ~= nil and args[5] ~= "-" then
    body = args[5]
    headers["Content-Type"] = "application/json"
  end
  req = wrk.format(args[1], args[2], headers, body)
end
function request() return req end
