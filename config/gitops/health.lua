-- Argo CD health check for security.kubeposture.io/SecurityProfile. Install it under
-- resource.customizations.health.security.kubeposture.io_SecurityProfile in argocd-cm.
-- It reads the conditions kstatus (Flux, kpt) reads, in the same order:
--   Progressing: no audit of the current spec yet (kstatus: InProgress).
--   Degraded: the spec is invalid and the operator is Stalled (kstatus: Failed), the last audit
--     failed (kstatus: InProgress, as the operator retries), or the target level is not achieved
--     (kstatus: Current, as the audit is done).
--   Healthy: the last audit of the current spec achieved the target level (kstatus: Current).
local hs = {}
local function find(conditions, t)
  if conditions == nil then return nil end
  for _, c in ipairs(conditions) do
    if c.type == t then return c end
  end
  return nil
end

if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the first audit"
  return hs
end
local gen = obj.metadata.generation
local observed = obj.status.observedGeneration
if gen ~= nil and (observed == nil or observed < gen) then
  hs.status = "Progressing"
  hs.message = "Waiting for the audit of the current spec"
  return hs
end
local stalled = find(obj.status.conditions, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.reason .. ": " .. (stalled.message or "")
  return hs
end
local ready = find(obj.status.conditions, "Ready")
local compliant = find(obj.status.conditions, "Compliant")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the first audit"
  return hs
end
if ready.status == "False" then
  hs.status = "Degraded"
  hs.message = ready.reason .. ": " .. (ready.message or "")
  return hs
end
if ready.status ~= "True" then
  hs.status = "Progressing"
  hs.message = ready.message or "Auditing"
  return hs
end
if compliant ~= nil and compliant.status == "False" then
  hs.status = "Degraded"
  hs.message = compliant.reason .. ": " .. (compliant.message or "")
  return hs
end
hs.status = "Healthy"
if compliant ~= nil and compliant.message ~= nil then
  hs.message = compliant.message
else
  hs.message = ready.message or ""
end
return hs
