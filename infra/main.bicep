// `azd up` entry point: a resource group holding the device jobs Function App and what it needs.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Azure region of every resource.')
param location string

@description('Durable Functions backend: the Azure Storage provider (default) or the Durable Task Scheduler where the region offers it.')
@allowed(['AzureStorage', 'DurableTaskScheduler'])
param durableBackend string = 'AzureStorage'

@secure()
@description('JOBS_ACCESS_POLICIES: JSON list of {"name","key","rights"} stored as a Key Vault secret.')
param jobsAccessPolicies string

@description('Object id of the user running azd; granted Key Vault Secrets Officer to manage the policies secret.')
param principalId string = ''

@minValue(1)
@description('JOBS_MAX_ACTIVE_JOBS: most jobs queued, scheduled or running at once; more creates answer 429.')
param maxActiveJobs int = 100

var tags = { 'azd-env-name': environmentName }

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module app 'app.bicep' = {
  name: 'device-jobs-app'
  scope: rg
  params: {
    environmentName: environmentName
    location: location
    tags: tags
    durableBackend: durableBackend
    jobsAccessPolicies: jobsAccessPolicies
    principalId: principalId
    maxActiveJobs: maxActiveJobs
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.functionAppName
output AZURE_KEY_VAULT_NAME string = app.outputs.keyVaultName
output SERVICE_URL string = app.outputs.serviceUrl
output JOBS_HOST_NAME string = app.outputs.hostName
